/**
 * Shadow scoring and the measurements of a scoring run, one chunk at a time inside the score
 * job (so nothing is read twice and each chunk's work commits with its checkpoint):
 * - the challenger (the newest model with status "shadow") scores every record the champion
 *   scores, through the one scorer, into the store only — never the CRM;
 * - each version's first score of a record is kept (`ModelScoreRow`), the challenger's paired
 *   with the champion's score of the same record in the same run;
 * - records whose outcome has arrived since a version first scored them add to that version's
 *   outcome histogram (the challenger's paired with the champion's, for a like-for-like
 *   comparison);
 * - the champion's feature values and probabilities are counted into its training bins (PSI);
 * - all of the above is also kept per admin segment, each record's segment as the live score's
 *   `leadlens_factors` payload records it (kept with the model score row, so an outcome is
 *   judged in the segment the record was in when it was scored).
 * The monitor stage (monitor.ts) turns the totals into metrics, alerts and decisions.
 */
import type { CrmRecord, DealOutcome } from '../../contracts/records';
import { tierFor, tiersForSegment, type Settings } from '../../contracts/settings';
import { conversionMoment, snapshot, type FeatureRow } from '../../features';
import type { ModelScoreRow, ScoreRow, StoredModel, StoreOps } from '../../store/port';
import { readReport } from '../report';
import { loadedModel, type LoadedModel } from '../scoring-model';
import { scoreRows } from '../scoring';
import {
  addOutcome,
  BaselineSchema,
  binCount,
  binOf,
  emptyHistogram,
  type Baseline,
  type OutcomeHistogram,
} from './bins';

const DAY = 86_400_000;

export interface GovernanceRunState extends Record<string, unknown> {
  championVersion: number;
  challengerVersion: number | null;
  /** Field → counts in the champion's training bins; empty without a baseline. */
  fieldCounts: Record<string, number[]>;
  scoreCounts: number[];
  hasBaseline: boolean;
  scored: number;
  challengerScored: number;
  /** Records whose tier differs between challenger and champion in this run. */
  tierFlips: number;
  champion: OutcomeHistogram;
  challenger: OutcomeHistogram;
  /** The champion's first scores of the very records the challenger is judged on. */
  pairedChampion: OutcomeHistogram;
  /** Σ (challenger − champion) score and Σ |…| over the records both scored (score movement). */
  scoreMove?: number;
  scoreMoveAbs?: number;
  /** The same totals per admin segment (absent in runs started before segments were kept). */
  segments?: Record<string, SegmentTotals>;
}

/** One segment's share of a run's totals. */
export interface SegmentTotals {
  scored: number;
  /** Of them, scored by the segment's own model inside the champion version. */
  ownModel: number;
  fieldCounts: Record<string, number[]>;
  scoreCounts: number[];
  challengerScored: number;
  tierFlips: number;
  scoreMove: number;
  scoreMoveAbs: number;
  champion: OutcomeHistogram;
  challenger: OutcomeHistogram;
  pairedChampion: OutcomeHistogram;
}

function emptySegment(state: GovernanceRunState): SegmentTotals {
  return {
    scored: 0,
    ownModel: 0,
    fieldCounts: Object.fromEntries(
      Object.entries(state.fieldCounts).map(([k, v]) => [k, new Array<number>(v.length).fill(0)]),
    ),
    scoreCounts: new Array<number>(state.scoreCounts.length).fill(0),
    challengerScored: 0,
    tierFlips: 0,
    scoreMove: 0,
    scoreMoveAbs: 0,
    champion: emptyHistogram(),
    challenger: emptyHistogram(),
    pairedChampion: emptyHistogram(),
  };
}

/** The segment (and whether its own model scored it) a score's payload records. */
export function payloadSegment(factors: string): { segment: string | null; own: boolean } {
  try {
    const p = JSON.parse(factors) as { segment?: unknown; segmentModel?: unknown };
    return {
      segment: typeof p.segment === 'string' && p.segment ? p.segment : null,
      own: p.segmentModel === true,
    };
  } catch {
    return { segment: null, own: false };
  }
}

const baselines = new Map<string, Baseline | null>();

/** The training baseline stored with a model version (null for versions trained before it). */
export function baselineOf(stored: StoredModel): Baseline | null {
  const key = `${stored.version}:${stored.trainedAt}:${stored.report.length}`;
  if (baselines.has(key)) return baselines.get(key)!;
  const raw = (readReport(stored) as Record<string, unknown> | null)?.baseline;
  const parsed = BaselineSchema.safeParse(raw);
  const out = parsed.success ? parsed.data : null;
  if (baselines.size > 32) baselines.clear();
  baselines.set(key, out);
  return out;
}

/** The challenger: the newest model in shadow newer than the champion, if any. */
export async function challengerOf(
  store: StoreOps,
  championVersion: number,
): Promise<number | null> {
  const shadows = (await store.listModels())
    .filter((m) => m.status === 'shadow' && m.version > championVersion)
    .map((m) => m.version);
  return shadows.length ? Math.max(...shadows) : null;
}

export async function startGovernance(
  store: StoreOps,
  champion: StoredModel,
): Promise<GovernanceRunState> {
  const baseline = baselineOf(champion);
  return {
    championVersion: champion.version,
    challengerVersion: await challengerOf(store, champion.version),
    fieldCounts: Object.fromEntries(
      (baseline?.fields ?? []).map((f) => [
        f.bins.name,
        new Array<number>(binCount(f.bins)).fill(0),
      ]),
    ),
    scoreCounts: baseline ? new Array<number>(binCount(baseline.score.bins)).fill(0) : [],
    hasBaseline: baseline !== null,
    scored: 0,
    challengerScored: 0,
    tierFlips: 0,
    champion: emptyHistogram(),
    challenger: emptyHistogram(),
    pairedChampion: emptyHistogram(),
    scoreMove: 0,
    scoreMoveAbs: 0,
    segments: {},
  };
}

/**
 * The outcome of a record a model scored at `scoredAt`: 1 when it converted within the
 * horizon after, 0 when the horizon has passed (by `now`) without it, null while pending (or
 * when it had converted before: then the score was no prediction).
 */
export function outcomeSince(
  record: CrmRecord,
  deals: readonly DealOutcome[],
  settings: Settings,
  scoredAt: string,
  now: number,
): 0 | 1 | null {
  const start = Date.parse(scoredAt);
  const end = start + settings.conversion.horizonDays * DAY;
  const t = conversionMoment(record, deals, settings.conversion);
  if (t !== null && t <= start) return null;
  if (t !== null && t <= Math.min(end, now)) return 1;
  return now >= end ? 0 : null;
}

export interface ChunkInput {
  store: StoreOps;
  settings: Settings;
  champion: LoadedModel;
  championStored: StoredModel;
  /** Every contact of the chunk (open or not), in id order; `cursor` is the id before them. */
  page: readonly CrmRecord[];
  cursor: string | null;
  open: readonly CrmRecord[];
  /** The champion's feature rows and scores of `open`, in the same order. */
  featureRows: readonly FeatureRow[];
  scores: readonly ScoreRow[];
  dealsOf: (r: CrmRecord) => DealOutcome[];
  asOf: number;
  scoredAt: string;
}

/** Shadow-scores one chunk and measures it; returns the rows to keep and the new totals. */
export async function governChunk(
  state: GovernanceRunState,
  c: ChunkInput,
): Promise<{ state: GovernanceRunState; modelScores: ModelScoreRow[] }> {
  const next: GovernanceRunState = structuredClone(state);
  const segs = (next.segments ??= {});
  const segOf = c.scores.map((s) => payloadSegment(s.factors));
  const totalsOf = (i: number): SegmentTotals | null => {
    const key = segOf[i]!.segment;
    return key === null ? null : (segs[key] ??= emptySegment(next));
  };
  const keep: ModelScoreRow[] = c.scores.map((s, i) => ({
    modelVersion: s.modelVersion,
    id: s.id,
    scoredAt: c.scoredAt,
    probability: s.probability,
    score: s.score,
    tier: s.tier,
    pairedVersion: null,
    pairedProbability: null,
    pairedTier: null,
    segment: segOf[i]!.segment,
  }));

  // Drift: the champion's inputs and outputs counted into its training bins, overall and in
  // the record's segment.
  const baseline = baselineOf(c.championStored);
  if (baseline) {
    for (const f of baseline.fields) {
      const counts = next.fieldCounts[f.bins.name];
      if (!counts) continue;
      c.featureRows.forEach((row, i) => {
        const b = binOf(f.bins, row[f.bins.name]);
        counts[b]! += 1;
        const seg = totalsOf(i)?.fieldCounts[f.bins.name];
        if (seg) seg[b]! += 1;
      });
    }
    c.scores.forEach((s, i) => {
      const b = binOf(baseline.score.bins, s.probability);
      next.scoreCounts[b]! += 1;
      const seg = totalsOf(i);
      if (seg) seg.scoreCounts[b]! += 1;
    });
  }
  next.scored += c.scores.length;
  c.scores.forEach((_, i) => {
    const seg = totalsOf(i);
    if (!seg) return;
    seg.scored += 1;
    if (segOf[i]!.own) seg.ownModel += 1;
  });

  // The challenger scores the same records, at the same moment, through the one scorer.
  if (next.challengerVersion !== null && c.open.length > 0) {
    const stored = await c.store.getModel(next.challengerVersion);
    if (stored && stored.status === 'shadow') {
      const ch = loadedModel(stored);
      const sameRows = samePlan(ch, c.champion);
      const rows = sameRows
        ? c.featureRows
        : c.open.map((r) => snapshot(r, c.asOf, { fields: ch.features, skipped: [] }));
      const scored = scoreRows(ch, rows as never, { top: 0, explain: false });
      scored.forEach((s, i) => {
        const champ = c.scores[i]!;
        // The record's segment sets its thresholds, as it does for the live score.
        const seg = totalsOf(i);
        const tiers = tiersForSegment(c.settings.tiers, c.settings.segments, segOf[i]!.segment);
        const tier = tierFor(s.score, tiers).value;
        const flip = tier !== champ.tier ? 1 : 0;
        const move = s.score - champ.score;
        next.tierFlips += flip;
        next.scoreMove = (next.scoreMove ?? 0) + move;
        next.scoreMoveAbs = (next.scoreMoveAbs ?? 0) + Math.abs(move);
        if (seg) {
          seg.challengerScored += 1;
          seg.tierFlips += flip;
          seg.scoreMove += move;
          seg.scoreMoveAbs += Math.abs(move);
        }
        keep.push({
          modelVersion: ch.version,
          id: champ.id,
          scoredAt: c.scoredAt,
          probability: s.probability,
          score: s.score,
          tier,
          pairedVersion: champ.modelVersion,
          pairedProbability: champ.probability,
          pairedTier: champ.tier,
          segment: segOf[i]!.segment,
        });
      });
      next.challengerScored += scored.length;
    } else {
      // Promoted, retired or deleted while this run was under way: stop shadowing it.
      next.challengerVersion = null;
    }
  }

  // Outcomes that arrived since each version first scored these records, overall and in the
  // segment kept with that first score.
  const byId = new Map(c.page.map((r) => [r.id, r]));
  const segmentOfRow = (row: ModelScoreRow): SegmentTotals | null =>
    row.segment ? (segs[row.segment] ??= emptySegment(next)) : null;
  const judge = async (version: number, onRow: (row: ModelScoreRow, y: 0 | 1) => void) => {
    const kept = await c.store.listModelScores(version, {
      afterId: c.cursor,
      limit: c.page.length,
    });
    for (const row of kept) {
      const rec = byId.get(row.id);
      if (!rec) continue;
      const y = outcomeSince(rec, c.dealsOf(rec), c.settings, row.scoredAt, c.asOf);
      if (y !== null) onRow(row, y);
    }
  };
  await judge(next.championVersion, (row, y) => {
    addOutcome(next.champion, row.probability, row.tier, y);
    const seg = segmentOfRow(row);
    if (seg) addOutcome(seg.champion, row.probability, row.tier, y);
  });
  if (next.challengerVersion !== null) {
    await judge(next.challengerVersion, (row, y) => {
      const seg = segmentOfRow(row);
      addOutcome(next.challenger, row.probability, row.tier, y);
      if (seg) addOutcome(seg.challenger, row.probability, row.tier, y);
      if (row.pairedProbability !== null && row.pairedTier !== null) {
        addOutcome(next.pairedChampion, row.pairedProbability, row.pairedTier, y);
        if (seg) addOutcome(seg.pairedChampion, row.pairedProbability, row.pairedTier, y);
      }
    });
  }
  return { state: next, modelScores: keep };
}

/** Two models build the same rows when their plans list the same fields from the same sources. */
function samePlan(a: LoadedModel, b: LoadedModel): boolean {
  if (a.features.length !== b.features.length) return false;
  const key = (m: LoadedModel) =>
    m.features
      .map((f) => `${f.name}:${f.source}:${f.type}`)
      .sort()
      .join('|');
  return key(a) === key(b);
}
