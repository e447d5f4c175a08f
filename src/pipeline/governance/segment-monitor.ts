/**
 * Governance per admin segment. A version with segment models is one model to publish, shadow
 * and roll back, but its segments can drift, decay or lose to a challenger on their own while
 * the totals over every record look fine. From a run's per-segment totals (shadow.ts; each
 * record's segment as its score payload recorded it) this computes, per segment:
 * - drift: PSI per field and of the score against the segment's counts in the model's first
 *   monitored run, judged only with `segmentMinRows` records on both sides and net of the PSI
 *   chance alone reaches at those sizes (small segments would otherwise alert on noise);
 * - the live model's realised metrics on arrived outcomes;
 * - the challenger against the champion on the same records of the segment (metric, score
 *   movement, tier flips), and whether the segment gets worse beyond its noise.
 */
import type { Settings } from '../../contracts/settings';
import type { AlertSeverity } from '../../store/port';
import { metricsOf, proportions, psi, type RealisedMetrics } from './bins';
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

/** Per-segment monitoring of one run, against the segments of the model's first run. */
export function measureSegments(
  totals: Readonly<Record<string, SegmentTotals>> | undefined,
  reference: readonly SegmentReference[] | undefined,
  settings: Settings,
  challengerVersion: number | null,
): SegmentMonitor[] {
  const g = settings.governance;
  const top = settings.tiers[0]!.value;
  const labels = new Map(settings.segments.list.map((s) => [s.key, s.label]));
  const refs = new Map((reference ?? []).map((r) => [r.key, r]));
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
      return {
        key,
        label: labels.get(key) ?? key,
        scored: t.scored,
        ownModel: t.ownModel,
        fieldCounts: t.fieldCounts,
        scoreCounts: t.scoreCounts,
        drift: { referenceRows: ref ? ref.scored : null, judged, rows },
        realised: metricsOf(t.champion, top),
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
  kind: 'feature_drift' | 'score_drift';
  subject: string;
  severity: AlertSeverity;
  value: number;
  threshold: number;
  message: string;
}

/** The alert subject of a segment's drift: names the segment (and is its own alert). */
export const segmentSubject = (key: string, subject: string) => `segment ${key}: ${subject}`;

/** Drift findings per segment: PSI net of its noise against the admin's thresholds. */
export function segmentFindings(
  segments: readonly SegmentMonitor[] | undefined,
  settings: Settings,
): SegmentFinding[] {
  const g = settings.governance;
  const fmt = (x: number, d = 3) => x.toFixed(d);
  const out: SegmentFinding[] = [];
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
