/** One published, backtested model card: the fixture of the card's text and page tests. */
import type { ModelCard } from '../../src/pipeline';

export const card: ModelCard = {
  version: 3,
  status: 'published',
  modelType: 'logistic',
  trainedAt: '2026-12-03T07:25:42.330Z',
  publishedAt: '2026-12-03T07:25:42.330Z',
  intendedUse: 'Rank open contacts.',
  label: {
    kind: 'lifecycle_customer',
    horizonDays: 120,
    description: 'the contact becomes a customer',
  },
  dataWindow: {
    from: '2025-06-09T00:00:00.000Z',
    to: '2026-10-14T00:00:00.000Z',
    trainingRows: 1207,
    conversionRate: 0.225,
    censored: 291,
  },
  features: { used: [], leftOut: [] },
  metrics: { auc: 0.851, prAuc: 0.701, brier: 0.112, ece: 0.015, liftTopDecile: 3.662 },
  limitations: [],
  decisions: [],
  feedback: null,
  monitoring: { runs: 0, lastAt: null, realised: null, topDrift: [], openAlerts: [] },
};
