/**
 * Governance per admin segment. A version with segment models is one model to publish, shadow
 * and roll back, but its segments can drift, decay or lose to a challenger on their own while
 * the totals over every record look fine. From a run's per-segment totals (shadow.ts; each
 * record's segment as its score payload recorded it) this computes, per segment:
 * - drift: PSI per field and of the score against the segment's counts in the model's first
 *   monitored run, judged only with `segmentMinRows` records on both sides and net of the PSI
 *   chance alone reaches at those sizes (small segments would otherwise alert on noise);
 * - the live model's realised metrics on arrived outcomes, and decay: the realised metric against
 *   the model's backtest estimate on the segment's own held-out rows, judged only with
 *   `segmentMinOutcomes` outcomes on both sides and net of the two estimates' noise at those sizes;
 * - the challenger against the champion on the same records of the segment (metric, score
 *   movement, tier flips), and whether the segment gets worse beyond its noise.
 */
import { tierFor, tiersForSegment, type Settings } from '../../contracts/settings';
import type { AlertSeverity } from '../../store/port';
import type { SegmentReport } from '../report';
import {
  addOutcome,
  emptyHistogram,
  metricsOf,
  proportions,
  psi,
  type RealisedMetrics,
} from './bins';
import type { SegmentTotals } from './shadow';

export interface SegmentDriftRow {
  subject: string;
  psi: number;
  /** PSI two samples of these sizes from one distribution stay under by chance (psiNoise). */
  noise: number;
  /** `psi − noise`: what the thresholds are applied to. */
  excess: number;
}

export interface SegmentChallenger {
  scored: number;
  tierFlips: number;
  /** Mean (challenger − champion) score, and mean absolute movement, on the 0–100 scale. */
  meanScoreChange: number | null;
  meanAbsScoreChange: number | null;
  metrics: RealisedMetrics;
  championOnSame: RealisedMetrics;
  /** Challenger − champion in the admin's metric on the same records (null: not judged). */
  difference: number | null;
  /** Standard error of that difference (the segment's noise). */
  se: number | null;
  /** Judged (enough outcomes of each class) and worse by more than two standard errors. */
  worse: boolean;
  /** Why it was not judged, when it was not. */
  notJudged: string | null;
}

/**
 * Decay of the live model on one segment: its realised metric on arrived outcomes against its
 * backtest estimate on the segment's held-out rows (the model that serves the segment: its own
 * or the global one). Judged with `segmentMinOutcomes` on both sides (AUC: outcomes of each
 * class; precision: records in the top tier); the drop counts only beyond two standard errors
 * of the difference (the segment's noise), and `decayDrop` applies to what is left.
 */
export interface SegmentDecay {
  /** Which model's backtests the estimate comes from. */
  source: 'own' | 'global';
  /** The admin's metric the two numbers are in. */
  metric: Settings['governance']['metric'];
  expected: number | null;
  /** Held-out rows behind the estimate (converted / not), and in the top tier. */
  expectedPositives: number;
  expectedNegatives: number;
  expectedTopTier: number;
  realised: number | null;
  /** (expected − realised) / expected. */
  drop: number | null;
  /** Standard error of expected − realised: Hanley–McNeil (AUC) or binomial (precision). */
  se: number | null;
  /** 2·se / expected: the part of the drop noise alone reaches at these sizes. */
  allowance: number | null;
  /** drop − allowance: what `decayDrop` is applied to. */
  excess: number | null;
  judged: boolean;
  decayed: boolean;
  notJudged: string | null;
}

/** What training expected of a segment: its report entry (with the held-out rows). */
export type SegmentExpectation = Pick<
  SegmentReport,
  'key' | 'property' | 'values' | 'decision' | 'heldOut'
>;

export interface SegmentMonitor {
  key: string;
  label: string;
  scored: number;
  /** Records of the segment scored by its own model (0: the global model scored them). */
  ownModel: number;
  fieldCounts: Record<string, number[]>;
  scoreCounts: number[];
  drift: {
    /** Records of the segment in the reference run (null: none yet, this run becomes it). */
    referenceRows: number | null;
    /** Both sides have `segmentMinRows` records: findings are raised from these rows. */
    judged: boolean;
    rows: SegmentDriftRow[];
  };
  realised: RealisedMetrics;
  /** Absent in runs stored before per-segment decay was judged. */
  decay?: SegmentDecay;
  challenger: SegmentChallenger | null;
}

/** The segment part of a stored monitoring run that later runs measure against. */
export interface SegmentReference {
  key: string;
  scored: number;
  fieldCounts: Record<string, number[]>;
  scoreCounts: number[];
}

/**
 * The PSI two samples (sizes n, m) of one distribution over k occupied bins stay under by
 * chance about 99 % of the time. For small differences PSI ≈ the χ² divergence, which under
 * no change is s·χ²(k − 1) with s = 1/n + 1/m: mean (k − 1)s, standard deviation √(2(k − 1))·s.
 * The level is mean + 3 s.d. (the χ² tail is long: 2 s.d. let ~8 % through in the test).
 */
export function psiNoise(reference: readonly number[], actual: readonly number[]): number {
  const n = reference.reduce((a, b) => a + b, 0);
  const m = actual.reduce((a, b) => a + b, 0);
  if (n === 0 || m === 0) return Infinity;
  const df = Math.max(0, reference.filter((c, i) => c > 0 || (actual[i] ?? 0) > 0).length - 1);
  const s = 1 / n + 1 / m;
  return df * s + 3 * Math.sqrt(2 * df) * s;
}

/** Hanley & McNeil (1982) standard error of an AUC from its positives and negatives. */
export function aucSe(auc: number, positives: number, negatives: number): number {
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const v =
    (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)) /
    (positives * negatives);
  return Math.sqrt(Math.max(v, 0));
}

const topTierCount = (m: RealisedMetrics, top: string) =>
  m.byTier.find((t) => t.tier === top)?.count ?? 0;

/**
 * The challenger against the champion on a segment's records. The two metrics come from the
 * same records; their correlation is not kept in histograms, so the standard error of the
 * difference assumes none — the conservative side (a wider noise band, fewer false holds).
 */
export function judgeSegment(
  metrics: RealisedMetrics,
  championOnSame: RealisedMetrics,
  settings: Settings,
): Pick<SegmentChallenger, 'difference' | 'se' | 'worse' | 'notJudged'> {
  const g = settings.governance;
  const min = g.segmentMinOutcomes;
  if (metrics.positives < min || metrics.negatives < min) {
    return {
      difference: null,
      se: null,
      worse: false,
      notJudged: `${metrics.positives} converted and ${metrics.negatives} not yet (needs ${min} of each)`,
    };
  }
  if (g.metric === 'auc') {
    const a = metrics.auc;
    const b = championOnSame.auc;
    if (a === null || b === null) {
      return { difference: null, se: null, worse: false, notJudged: 'no AUC' };
    }
    const se = Math.hypot(
      aucSe(a, metrics.positives, metrics.negatives),
      aucSe(b, championOnSame.positives, championOnSame.negatives),
    );
    return { difference: a - b, se, worse: a - b < -2 * se, notJudged: null };
  }
  const top = settings.tiers[0]!.value;
  const a = metrics.precisionTopTier;
  const b = championOnSame.precisionTopTier;
  const na = topTierCount(metrics, top);
  const nb = topTierCount(championOnSame, top);
  if (a === null || b === null || na === 0 || nb === 0) {
    return { difference: null, se: null, worse: false, notJudged: 'nobody in the top tier' };
  }
  const se = Math.sqrt((a * (1 - a)) / na + (b * (1 - b)) / nb);
  return { difference: a - b, se, worse: a - b < -2 * se, notJudged: null };
}

/**
 * The live model's realised metric on a segment against its backtest estimate there. The
 * estimate's held-out rows are tiered by the segment's thresholds in the settings (as its live
 * records are), so precision in the top tier compares like with like.
 */
export function judgeDecay(
  key: string,
  realised: RealisedMetrics,
  expectation: SegmentExpectation | undefined,
  settings: Settings,
  version: number,
): SegmentDecay {
  const g = settings.governance;
  const min = g.segmentMinOutcomes;
  const top = settings.tiers[0]!.value;
  const out: SegmentDecay = {
    source: expectation?.decision === 'own' ? 'own' : 'global',
    metric: g.metric,
    expected: null,
    expectedPositives: 0,
    expectedNegatives: 0,
    expectedTopTier: 0,
    realised: g.metric === 'auc' ? realised.auc : realised.precisionTopTier,
    drop: null,
    se: null,
    allowance: null,
    excess: null,
    judged: false,
    decayed: false,
    notJudged: null,
  };
  const defined = settings.segments.list.find((s) => s.key === key);
  if (!expectation?.heldOut) {
    out.notJudged = expectation
      ? `v${version} was trained before backtest estimates were kept per segment`
      : `v${version} was trained without this segment: no backtest estimate for it`;
    return out;
  }
  if (
    defined &&
    (defined.property !== expectation.property ||
      [...defined.values].sort().join('\u0000') !== [...expectation.values].sort().join('\u0000'))
  ) {
    out.notJudged = `the segment was redefined after v${version} was trained: its backtest estimate is of other records`;
    return out;
  }
  const tiers = tiersForSegment(settings.tiers, settings.segments, key);
  const h = emptyHistogram();
  expectation.heldOut.scores.forEach((score, i) => {
    addOutcome(h, score / 100, tierFor(score, tiers).value, expectation.heldOut!.labels[i] ? 1 : 0);
  });
  const e = metricsOf(h, top);
  out.expected = g.metric === 'auc' ? e.auc : e.precisionTopTier;
  out.expectedPositives = e.positives;
  out.expectedNegatives = e.negatives;
  out.expectedTopTier = e.byTier.find((t) => t.tier === top)?.count ?? 0;
  const E = out.expected;
  const R = out.realised;
  let se: number | null = null;
  if (g.metric === 'auc') {
    if (realised.positives < min || realised.negatives < min) {
      out.notJudged = `${realised.positives} converted and ${realised.negatives} not converted of its outcomes so far (needs ${min} of each)`;
    } else if (e.positives < min || e.negatives < min) {
      out.notJudged = `its backtests held out ${e.positives} converted and ${e.negatives} not converted (needs ${min} of each)`;
    } else if (E !== null && R !== null) {
      se = Math.hypot(
        aucSe(E, e.positives, e.negatives),
        aucSe(R, realised.positives, realised.negatives),
      );
    }
  } else {
    const nR = topTierCount(realised, top);
    if (nR < min) {
      out.notJudged = `${nR} of its outcomes were in the top tier (needs ${min})`;
    } else if (out.expectedTopTier < min) {
      out.notJudged = `its backtests put ${out.expectedTopTier} held-out records in the top tier (needs ${min})`;
    } else if (E !== null && R !== null) {
      se = Math.sqrt((E * (1 - E)) / out.expectedTopTier + (R * (1 - R)) / nR);
    }
  }
  if (se === null || E === null || R === null || E <= 0) {
    out.notJudged ??= 'no metric to compare';
    return out;
  }
  out.se = se;
  out.drop = (E - R) / E;
  out.allowance = (2 * se) / E;
  out.excess = out.drop - out.allowance;
  out.judged = true;
  out.decayed = out.excess >= g.decayDrop;
  return out;
}

/** Per-segment monitoring of one run, against the segments of the model's first run. */
export function measureSegments(
  totals: Readonly<Record<string, SegmentTotals>> | undefined,
  reference: readonly SegmentReference[] | undefined,
  settings: Settings,
  challengerVersion: number | null,
  expectations: readonly SegmentExpectation[] = [],
  championVersion = 0,
): SegmentMonitor[] {
  const g = settings.governance;
  const top = settings.tiers[0]!.value;
  const labels = new Map(settings.segments.list.map((s) => [s.key, s.label]));
  const refs = new Map((reference ?? []).map((r) => [r.key, r]));
  const expected = new Map(expectations.map((x) => [x.key, x]));
  return Object.entries(totals ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, t]) => {
      const ref = refs.get(key);
      const judged = !!ref && ref.scored >= g.segmentMinRows && t.scored >= g.segmentMinRows;
      const rows: SegmentDriftRow[] = [];
      if (ref && t.scored > 0) {
        const pairs: Array<[string, number[] | undefined, number[]]> = [
          ...Object.entries(t.fieldCounts).map(
            ([f, c]) => [f, ref.fieldCounts[f], c] as [string, number[] | undefined, number[]],
          ),
          ['score', ref.scoreCounts, t.scoreCounts],
        ];
        for (const [subject, r, c] of pairs) {
          if (!r || r.length !== c.length || c.length === 0) continue;
          const v = psi(proportions(r), c);
          if (v === null) continue;
          const noise = psiNoise(r, c);
          rows.push({ subject, psi: v, noise, excess: v - noise });
        }
        rows.sort((a, b) => b.excess - a.excess);
      }
      const metrics = metricsOf(t.challenger, top);
      const championOnSame = metricsOf(t.pairedChampion, top);
      const realised = metricsOf(t.champion, top);
      return {
        key,
        label: labels.get(key) ?? key,
        scored: t.scored,
        ownModel: t.ownModel,
        fieldCounts: t.fieldCounts,
        scoreCounts: t.scoreCounts,
        drift: { referenceRows: ref ? ref.scored : null, judged, rows },
        realised,
        decay: judgeDecay(key, realised, expected.get(key), settings, championVersion),
        challenger:
          challengerVersion === null
            ? null
            : {
                scored: t.challengerScored,
                tierFlips: t.tierFlips,
                meanScoreChange: t.challengerScored ? t.scoreMove / t.challengerScored : null,
                meanAbsScoreChange: t.challengerScored ? t.scoreMoveAbs / t.challengerScored : null,
                metrics,
                championOnSame,
                ...judgeSegment(metrics, championOnSame, settings),
              },
      };
    });
}

export interface SegmentFinding {
  kind: 'feature_drift' | 'score_drift' | 'decay';
  subject: string;
  severity: AlertSeverity;
  value: number;
  threshold: number;
  message: string;
}

/** The alert subject of a segment's drift: names the segment (and is its own alert). */
export const segmentSubject = (key: string, subject: string) => `segment ${key}: ${subject}`;

/**
 * Drift findings per segment (PSI net of its noise against the admin's thresholds) and decay
 * findings (the drop in the admin's metric beyond the segment's noise against `decayDrop`).
 */
export function segmentFindings(
  segments: readonly SegmentMonitor[] | undefined,
  settings: Settings,
  championVersion = 0,
): SegmentFinding[] {
  const g = settings.governance;
  const fmt = (x: number, d = 3) => x.toFixed(d);
  const out: SegmentFinding[] = [];
  const metric = g.metric === 'auc' ? 'AUC' : 'precision in the top tier';
  for (const s of segments ?? []) {
    const d = s.decay;
    if (d?.decayed) {
      const outcomes =
        g.metric === 'auc'
          ? `${s.realised.positives + s.realised.negatives} outcomes (${s.realised.positives} converted)`
          : `${topTierCount(s.realised, settings.tiers[0]!.value)} top-tier outcomes`;
      const heldOut =
        g.metric === 'auc'
          ? `${d.expectedPositives + d.expectedNegatives} held-out rows (${d.expectedPositives} converted)`
          : `${d.expectedTopTier} held-out top-tier rows`;
      out.push({
        kind: 'decay',
        subject: segmentSubject(s.key, g.metric),
        severity: 'alert',
        value: d.excess!,
        threshold: g.decayDrop,
        message: `Segment "${s.label}" (${s.key}${
          s.ownModel > 0 ? ', its own model' : ', scored by the global model'
        }): model v${championVersion} has decayed — ${metric} ${fmt(d.realised!)} on ${outcomes} that arrived since it scored them, against ${fmt(
          d.expected!,
        )} in its backtests on the segment's ${heldOut} (${fmt(d.drop! * 100, 1)} % lower; ${fmt(
          d.allowance! * 100,
          1,
        )} % of that is within the segment's noise, 2 s.e. = ${fmt(2 * d.se!)}; alert at ${fmt(
          g.decayDrop * 100,
          1,
        )} % beyond it).`,
      });
    }
  }
  for (const s of segments ?? []) {
    if (!s.drift.judged) continue;
    for (const r of s.drift.rows) {
      if (r.excess < g.psiWarn) continue;
      const severity: AlertSeverity = r.excess >= g.psiAlert ? 'alert' : 'warn';
      const threshold = severity === 'alert' ? g.psiAlert : g.psiWarn;
      const what = r.subject === 'score' ? 'the score distribution' : `field "${r.subject}"`;
      out.push({
        kind: r.subject === 'score' ? 'score_drift' : 'feature_drift',
        subject: segmentSubject(s.key, r.subject),
        severity,
        value: r.excess,
        threshold,
        message: `Segment "${s.label}" (${s.key}${
          s.ownModel > 0 ? ', its own model' : ', scored by the global model'
        }): ${what} has shifted — PSI ${fmt(r.psi)} on ${s.scored} records against ${
          s.drift.referenceRows
        } in the model's first scoring run, ${fmt(r.excess)} beyond the ${fmt(
          r.noise,
        )} chance alone reaches at these sizes (${severity === 'alert' ? 'alert' : 'warning'} at ${fmt(
          threshold,
          2,
        )}).`,
      });
    }
  }
  return out;
}

/** One line per segment the challenger would make worse beyond its noise. */
export function segmentsWorseText(
  segments: readonly SegmentMonitor[] | undefined,
  metric: string,
): string[] {
  return (segments ?? [])
    .filter((s) => s.challenger?.worse)
    .map((s) => {
      const c = s.challenger!;
      return `segment "${s.label}" (${s.key}) would get worse: ${metric} ${fmtMetric(c, metric)} (${c.difference!.toFixed(3)}, beyond 2 s.e. = ${(2 * c.se!).toFixed(3)}, on ${
        c.metrics.positives + c.metrics.negatives
      } outcomes)`;
    });
}

function fmtMetric(c: SegmentChallenger, metric: string): string {
  const pick = (m: RealisedMetrics) => (metric === 'AUC' ? m.auc : m.precisionTopTier);
  const a = pick(c.metrics);
  const b = pick(c.championOnSame);
  return `${a === null ? '—' : a.toFixed(3)} against ${b === null ? '—' : b.toFixed(3)}`;
}
