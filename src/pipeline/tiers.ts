/**
 * Tier statistics and threshold suggestions. Scores are calibrated probabilities × 100, so a
 * threshold is directly a conversion probability; the held-out slice of the published model's
 * evaluation says how each tier really converted.
 */
import { LeadLensError } from '../contracts/errors';
import type { Suggestion, SuggestRequest, TierStat } from '../contracts/functions';
import { TIER_VALUES, tierFor, type Tier } from '../contracts/settings';
import { economicsBands, breakEvenScore, economicsView, type EconomicsInputs } from './economics';

export interface HeldOut {
  scores: number[];
  labels: number[];
}

export interface TierInputs {
  /** Current scores of the open (scored) records. */
  openScores: number[];
  heldOut: HeldOut | null;
  /** New records per week (for capacity); null when unknown. */
  weeklyInflow: number | null;
}

export function tierStats(tiers: readonly Tier[], inputs: TierInputs): TierStat[] {
  const counts = new Map<string, number>();
  for (const s of inputs.openScores) {
    const t = tierFor(s, tiers).value;
    counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  const conv = new Map<string, { n: number; pos: number }>();
  if (inputs.heldOut) {
    inputs.heldOut.scores.forEach((s, i) => {
      const t = tierFor(s, tiers).value;
      const c = conv.get(t) ?? { n: 0, pos: 0 };
      c.n++;
      c.pos += inputs.heldOut!.labels[i] ? 1 : 0;
      conv.set(t, c);
    });
  }
  const total = inputs.openScores.length;
  return tiers.map((t) => {
    const count = counts.get(t.value) ?? 0;
    const c = conv.get(t.value);
    return {
      value: t.value,
      label: t.label,
      minScore: t.minScore,
      count,
      share: total ? count / total : 0,
      historicalConversionRate: c && c.n > 0 ? c.pos / c.n : null,
    };
  });
}

const DEFAULT_LABELS: Record<number, string[]> = {
  2: ['Work now', 'Nurture'],
  3: ['Hot', 'Warm', 'Cold'],
  4: ['Hot', 'Warm', 'Cool', 'Cold'],
  5: ['Hot', 'Warm', 'Mild', 'Cool', 'Cold'],
};

/** The score at or above which `share` of `scores` lie. */
function scoreAtTopShare(scores: number[], share: number): number {
  if (scores.length === 0) return 50;
  const sorted = [...scores].sort((a, b) => b - a);
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1));
  return sorted[k];
}

/**
 * Thresholds from a chosen top threshold: the lower tiers split the records below it into
 * equal-sized groups, then everything is made integer and strictly decreasing down to 0.
 */
function buildTiers(
  top: number,
  tierCount: number,
  openScores: number[],
  labels?: string[],
): Tier[] {
  const below = openScores.filter((s) => s < top);
  const thresholds: number[] = [top];
  for (let i = 1; i < tierCount - 1; i++) {
    const share = 1 - i / (tierCount - 1);
    thresholds.push(below.length ? scoreAtTopShare(below, share) : top * (1 - i / tierCount));
  }
  thresholds.push(0);
  const ints = thresholds.map((t) => Math.round(t));
  ints[0] = Math.min(100, Math.max(ints[0], tierCount - 1));
  for (let i = 1; i < ints.length - 1; i++) {
    ints[i] = Math.max(tierCount - 1 - i, Math.min(ints[i], ints[i - 1] - 1));
  }
  ints[ints.length - 1] = 0;
  const names = labels ?? DEFAULT_LABELS[tierCount];
  return ints.map((minScore, i) => ({ value: TIER_VALUES[i], label: names[i], minScore }));
}

/** What the 'economics' method reads besides the tier inputs (settings.ts loads it). */
export type DealEconomics = Pick<EconomicsInputs, 'heldOut' | 'deals' | 'horizonDays'>;

export function suggestTiers(
  req: SuggestRequest,
  inputs: TierInputs,
  currentLabels?: string[],
  deals?: DealEconomics | null,
): Suggestion {
  const labels = currentLabels?.length === req.tierCount ? currentLabels : undefined;
  let top: number;
  let rationale: string;
  switch (req.method) {
    case 'capacity': {
      const pool = inputs.weeklyInflow ?? inputs.openScores.length;
      const share = Math.min(1, req.leadsPerWeek / Math.max(1, pool));
      top = scoreAtTopShare(inputs.openScores, share);
      rationale =
        inputs.weeklyInflow !== null
          ? `About ${Math.round(pool)} new leads arrive a week; the top tier holds the best ${(share * 100).toFixed(1)} % so the team can work ${req.leadsPerWeek} a week.`
          : `The top tier holds the best ${req.leadsPerWeek} of the ${pool} open leads.`;
      break;
    }
    case 'expected_value': {
      const p = req.costPerLead / req.dealValue;
      top = Math.min(100, p * 100);
      rationale = `Working a lead pays when p × ${req.dealValue} > ${req.costPerLead}, i.e. p > ${(p * 100).toFixed(1)} %; scores are calibrated probabilities, so the top tier starts at ${Math.round(top)}.`;
      break;
    }
    case 'economics': {
      if (!deals || deals.heldOut.ids.length === 0) {
        throw new LeadLensError(
          'NOT_ENOUGH_DATA',
          'Tiers from deal economics need a published model with held-out history that knows each lead’s scoring moment.',
          { hint: 'Retrain (`leadlens train`) with this version of LeadLens, then ask again.' },
        );
      }
      const econ: EconomicsInputs = {
        ...deals,
        openScores: inputs.openScores,
        weeklyInflow: inputs.weeklyInflow,
      };
      const { bands } = economicsBands(econ, req.costPerLead);
      const breakEven = breakEvenScore(bands);
      const pool = inputs.weeklyInflow ?? inputs.openScores.length;
      const share = Math.min(1, req.leadsPerWeek / Math.max(1, pool));
      const capacity = scoreAtTopShare(inputs.openScores, share);
      top = Math.max(breakEven, capacity);
      const money = (x: number) => Math.round(x).toLocaleString('en-US');
      rationale =
        breakEven >= 100
          ? `No score band of held-out leads brought more in won deals than the ${money(req.costPerLead)} a lead costs to work; the top tier is left at its narrowest.`
          : `On held-out leads, won deals after their scoring moment pay more than the ${money(req.costPerLead)} a lead costs from score ${breakEven} up${
              capacity > breakEven
                ? `; the team can work ${req.leadsPerWeek} leads a week, so the top tier starts higher, at ${Math.round(capacity)}`
                : `; the team's ${req.leadsPerWeek} leads a week cover that`
            }.`;
      const tiers = buildTiers(top, req.tierCount, inputs.openScores, labels);
      return {
        method: req.method,
        tiers,
        stats: tierStats(tiers, inputs),
        rationale,
        economics: economicsView(tiers, econ, req, Math.round(capacity)),
      };
    }
    case 'precision': {
      top = precisionThreshold(inputs.heldOut, req.targetPrecision);
      rationale = inputs.heldOut
        ? `On held-out history, leads scoring ${Math.round(top)} or more converted at ≥ ${(req.targetPrecision * 100).toFixed(0)} %.`
        : `No held-out history yet; with calibrated scores a ${(req.targetPrecision * 100).toFixed(0)} % target starts the top tier at ${Math.round(top)}.`;
      break;
    }
  }
  const tiers = buildTiers(top, req.tierCount, inputs.openScores, labels);
  return { method: req.method, tiers, stats: tierStats(tiers, inputs), rationale };
}

/** Lowest integer score whose held-out precision (rate among scores ≥ it) meets the target. */
function precisionThreshold(heldOut: HeldOut | null, target: number): number {
  if (!heldOut || heldOut.scores.length === 0) return Math.round(target * 100);
  const idx = heldOut.scores.map((_, i) => i).sort((a, b) => heldOut.scores[b] - heldOut.scores[a]);
  let pos = 0;
  let best = 100;
  // Walk down the scores; a tier holds every record at or above its threshold, so precision is
  // only judged where the score changes (ties enter together). The lowest such score meeting
  // the target (with at least 10 records behind it) wins.
  idx.forEach((i, k) => {
    pos += heldOut.labels[i] ? 1 : 0;
    const next = idx[k + 1];
    const boundary = next === undefined || heldOut.scores[next] !== heldOut.scores[i];
    if (boundary && k >= 9 && pos / (k + 1) >= target) best = Math.min(best, heldOut.scores[i]);
  });
  return Math.ceil(best);
}
