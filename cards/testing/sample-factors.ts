/**
 * The `leadlens_factors` payload the card tests and the preview's browser test share: a score of
 * 78 = baseline 31 + the three factors below + 2 from other factors.
 */
import type { FactorsPayload } from '../../src/contracts/factors';

export const SAMPLE_FACTORS: FactorsPayload = {
  v: 1,
  score: 78,
  base: 31,
  otherPoints: 2,
  modelVersion: 'v3',
  top: [
    {
      field: 'pv',
      label: 'Pricing visits',
      value: '3',
      points: 18,
      logOdds: 0.9,
      reason: 'Visited pricing 3× this week: +18',
    },
    {
      field: 'src',
      label: 'Lead source',
      value: 'Referral',
      points: 34,
      logOdds: 1.6,
      reason: 'Lead source is Referral: +34',
    },
    {
      field: 'email',
      label: 'E-mail domain',
      value: 'student.edu',
      points: -7,
      logOdds: -0.4,
      reason: 'Student e-mail domain: −7',
    },
  ],
};
