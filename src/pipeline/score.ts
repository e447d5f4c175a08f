/**
 * Score: every open contact (not converted, not a customer) with the published model, as of
 * now, in chunks committed with their cursor; then every lead record (0-136) takes its
 * associated contact's score. Customers are never rescored as prospects.
 */
import type { CrmRecord, DealOutcome } from '../contracts/records';
import type { Conversion } from '../contracts/settings';
import { dealIndex, isOpenAt } from '../features';
import type { ScoreRow } from '../store/port';
import type { JobDefinition } from './jobs';
import { governChunk, startGovernance, type GovernanceRunState } from './governance/shadow';
import { scoreRecords, snapshotRecords } from './score-records';
import { loadedModel } from './scoring-model';
import { LeadLensError } from '../contracts/errors';
import type { QualityTally } from './scoring';

/** Records per unit of work; a HubSpot function call asks for fewer (handlers.ts). */
export const SCORE_CHUNK = 1000;
const CLOSED_STAGES = new Set(['customer', 'evangelist']);

export interface ScoreState extends Record<string, unknown> {
  phase: 'contact' | 'lead' | 'done';
  cursor: string | null;
  modelVersion: number | null;
  /** One timestamp for the whole run, so a resumed run writes the same values. */
  scoredAt: string;
  asOf: number;
  scored: number;
  skippedClosed: number;
  leads: number;
  /** Shadow scoring and monitoring totals of this run (governance/shadow.ts). */
  governance?: GovernanceRunState | null;
  /** Per field: values read as missing (never seen in training, wrong type), summed. */
  readAsMissing?: QualityTally;
}

const DAY_MS = 86_400_000;

/**
 * The moment a scoring run scores as of: the end of the current UTC day, not the clock. Day
 * counts, recency and decayed activity grow with `asOf`; scored as of the clock, two runs hours
 * apart computed other feature values for unchanged records — a factor's text ("3.9 days" →
 * "4") or a score flipped at rounding and the record was rewritten for nothing. As of the end
 * of the day every run of that day computes the same values from the same record, and a record
 * changed today is seen with its change (nothing after now exists yet). Values move once a day,
 * when they really are a day older.
 */
export function scoringAsOf(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS + DAY_MS - 1;
}

export function isOpenContact(
  record: CrmRecord,
  dealsOf: (r: CrmRecord) => DealOutcome[],
  conversion: Conversion,
  at: number,
): boolean {
  if (CLOSED_STAGES.has(record.properties.lifecyclestage ?? '')) return false;
  // A converted Salesforce lead is read-only there: never rescored, never written.
  if (record.properties.isconverted === 'true') return false;
  return isOpenAt(record, dealsOf(record), conversion, at);
}

export function scoreJob(
  opts: {
    chunk?: number;
    /** False scores the champion only, without shadow scoring or monitoring counts (bench/governance.ts measures the difference). */
    governance?: boolean;
  } = {},
): JobDefinition<ScoreState> {
  const chunk = opts.chunk ?? SCORE_CHUNK;
  const governed = opts.governance ?? true;
  return {
    name: 'score',
    init: (deps) => ({
      phase: 'contact',
      cursor: null,
      modelVersion: null,
      scoredAt: new Date(deps.now()).toISOString(),
      asOf: scoringAsOf(deps.now()),
      scored: 0,
      skippedClosed: 0,
      leads: 0,
      governance: null,
    }),
    async step(state, ctx) {
      const { store } = ctx.deps;
      const settings = await store.getSettings();
      const stored = await store.getPublishedModel();
      if (!stored) {
        throw new LeadLensError('NO_MODEL', 'There is no published model yet.', {
          hint: 'Run `leadlens train` (or `leadlens run`) first.',
        });
      }
      const lm = loadedModel(stored);
      if (state.phase === 'contact') {
        // A run keeps the champion it started with in its totals; one published mid-run starts
        // fresh totals (its drift and outcomes are its own).
        let gov = state.governance ?? null;
        if (governed && (!gov || gov.championVersion !== lm.version))
          gov = await startGovernance(store, stored);
        const page = await store.listRecords('contact', { afterId: state.cursor, limit: chunk });
        if (page.length === 0) {
          const next: ScoreState = { ...state, phase: 'lead', cursor: null, governance: gov };
          await ctx.commit(next);
          return { state: next, done: false, progress: `scored ${state.scored} contacts` };
        }
        const dealsOf = dealIndex(await store.listDeals());
        const open = page.filter((r) => isOpenContact(r, dealsOf, settings.conversion, state.asOf));
        const featureRows = snapshotRecords(lm, open, state.asOf);
        const quality: QualityTally = structuredClone(state.readAsMissing ?? {});
        const rows = scoreRecords(lm, open, {
          objectType: 'contact',
          asOf: state.asOf,
          tiers: settings.tiers,
          segments: settings.segments,
          scoredAt: state.scoredAt,
          rows: featureRows,
          quality,
        });
        const kept = !gov
          ? null
          : await governChunk(gov, {
              store,
              settings,
              champion: lm,
              championStored: stored,
              page,
              cursor: state.cursor,
              open,
              featureRows,
              scores: rows,
              dealsOf,
              asOf: state.asOf,
              scoredAt: state.scoredAt,
            });
        const next: ScoreState = {
          ...state,
          readAsMissing: quality,
          cursor: page[page.length - 1].id,
          modelVersion: lm.version,
          scored: state.scored + rows.length,
          skippedClosed: state.skippedClosed + page.length - open.length,
          governance: kept?.state ?? null,
        };
        await ctx.commit(next, async (tx) => {
          await tx.putScores(rows);
          if (kept) await tx.putModelScores(kept.modelScores);
        });
        return { state: next, done: false, progress: `scored ${next.scored} contacts` };
      }
      if (state.phase === 'lead') {
        const page = await store.listRecords('lead', { afterId: state.cursor, limit: chunk });
        if (page.length === 0) {
          const next: ScoreState = { ...state, phase: 'done' };
          await ctx.commit(next);
          return {
            state: next,
            done: true,
            progress: `scored ${state.scored} contacts, ${state.leads} leads`,
          };
        }
        const rows: ScoreRow[] = [];
        for (const lead of page) {
          const contactId = lead.associations.contact?.[0];
          const contactScore = contactId ? await store.getScore('contact', contactId) : null;
          if (contactScore) rows.push({ ...contactScore, objectType: 'lead', id: lead.id });
        }
        const next: ScoreState = {
          ...state,
          cursor: page[page.length - 1].id,
          leads: state.leads + rows.length,
        };
        await ctx.commit(next, (tx) => tx.putScores(rows));
        return { state: next, done: false, progress: `scored ${next.leads} leads` };
      }
      return { state, done: true, progress: 'done' };
    },
    summary: (s) => ({
      modelVersion: s.modelVersion,
      scored: s.scored,
      skippedClosed: s.skippedClosed,
      leads: s.leads,
      challengerVersion: s.governance?.challengerVersion ?? null,
      challengerScored: s.governance?.challengerScored ?? 0,
      tierFlips: s.governance?.tierFlips ?? 0,
      readAsMissing: s.readAsMissing ?? {},
    }),
  };
}
