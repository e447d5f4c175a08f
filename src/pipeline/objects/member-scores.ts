/**
 * Scores of account-only committee members (`account_contact`; on Salesforce, Contacts created
 * directly on an Account, not converted from a Lead). Account scores already count and score
 * them inside the account score; this stage gives each its own LeadLens score — the one a rep
 * sees on the Contact — with the published lead model and the one scorer, as of the same
 * moment as the Leads' (`scoringAsOf`). They are Lead-shaped (account-contacts.ts reads them
 * under the Lead's field names), so their factors add up exactly like a Lead's. Writing them is
 * the one write-back job over `account_contact` (ledger, interrupted batches, only changed
 * values), in the run after the account stages, because the deal stage's company read is what
 * mirrors them.
 *
 * What differs from a Lead, on purpose and said in docs/salesforce-contacts.md: no field history
 * is read for a Contact (each value counts as it is now from the Contact's creation on), its
 * campaign responses are unknown (not zero), fields Contact lacks are missing, and Contacts
 * converted from a Lead are not scored here at all: their Lead was, as a prospect.
 *
 * The Contact fields are provisioned first; an integration user that may not access Contact
 * (or edit the fields) skips the stage with the reason and the fix; Leads are never affected.
 */
import type { CrmRecord } from '../../contracts/records';
import { isLeadLensError } from '../../errors';
import type { PipelineDeps } from '../deps';
import type { JobDefinition } from '../jobs';
import { scoringAsOf } from '../score';
import { scoreRecords } from '../score-records';
import type { QualityTally } from '../scoring';
import { loadedModel } from '../scoring-model';
import type { ScopeSkip } from './stage-skip';

/** Members scored per step (one store page, one commit). */
const CHUNK = 1000;

export interface MemberScoreState extends Record<string, unknown> {
  phase: 'provision' | 'score' | 'done';
  cursor: string | null;
  modelVersion: number | null;
  /** One timestamp and moment for the whole run, so a resumed run computes the same values. */
  scoredAt: string;
  asOf: number;
  scored: number;
  /**
   * Mirrored members no company lists any more (the Contact was deleted, or a Lead was merged
   * into it, so it is a converted Contact now): not scored.
   */
  left?: number;
  /** Why nothing was scored (no published lead model, a refused permission), or null. */
  skipped: string | null;
  missingScopes?: string[];
  readAsMissing?: QualityTally;
  calls: number;
}

const NONE_HERE = 'committee member is a scored contact already';

/** Why this CRM has no account-only members to score, or null. */
export function memberScoresUnavailable(deps: PipelineDeps): string | null {
  return deps.crm.members ? null : `every ${deps.crm.kind} ${NONE_HERE}`;
}

/** Whether a skip says the CRM has no such members (HubSpot): nothing to tell anyone then. */
export function isNoMembersSkip(skipped: string): boolean {
  return skipped.endsWith(NONE_HERE);
}

/** The skip of a refused Contact permission (CRM_SCOPES), or null for any other error. */
export function memberScopeSkipOf(e: unknown): ScopeSkip | null {
  if (!isLeadLensError(e, 'CRM_SCOPES')) return null;
  return {
    skipped: `missing CRM permission for scores on Contacts created on Accounts: ${`${e.message} ${e.hint ?? ''}`.trim()}. Lead scores are not affected.`,
    missingScopes: [],
  };
}

export function memberScoresJob(): JobDefinition<MemberScoreState> {
  return {
    name: 'member-scores',
    init: (deps) => ({
      phase: 'provision',
      cursor: null,
      modelVersion: null,
      scoredAt: new Date(deps.now()).toISOString(),
      asOf: scoringAsOf(deps.now()),
      scored: 0,
      skipped: null,
      calls: 0,
    }),
    async step(state, ctx) {
      const { crm, store } = ctx.deps;
      const before = crm.usage().calls;
      const counted = (s: MemberScoreState): MemberScoreState => ({
        ...s,
        calls: s.calls + crm.usage().calls - before,
      });

      if (state.phase === 'provision') {
        const members = crm.members;
        const settings = await store.getSettings();
        let next: MemberScoreState;
        if (!members)
          next = { ...state, phase: 'done', skipped: memberScoresUnavailable(ctx.deps) };
        else if (!(await store.getPublishedModel()))
          next = { ...state, phase: 'done', skipped: 'no published lead model yet' };
        // An org without them gets no fields on Contact and spends no call on them.
        else if ((await store.countRecords('account_contact')) === 0)
          next = {
            ...state,
            phase: 'done',
            skipped: 'no Contacts created directly on Accounts were read',
          };
        else {
          try {
            await members.provision(settings.tiers);
            next = { ...state, phase: 'score' };
          } catch (e) {
            const skip = memberScopeSkipOf(e);
            if (!skip) throw e;
            ctx.deps.log.warn('member scores skipped: missing CRM permission', {
              skipped: skip.skipped,
            });
            next = { ...state, phase: 'done', ...skip };
          }
        }
        next = counted(next);
        await ctx.commit(next);
        return {
          state: next,
          done: next.phase === 'done',
          progress: next.skipped ?? 'LeadLens fields on Contact ready',
        };
      }

      if (state.phase === 'score') {
        const stored = await store.getPublishedModel();
        if (!stored) {
          const next = counted({ ...state, phase: 'done', skipped: 'no published lead model' });
          await ctx.commit(next);
          return { state: next, done: true, progress: next.skipped! };
        }
        const lm = loadedModel(stored);
        const page = await store.listRecords('account_contact', {
          afterId: state.cursor,
          limit: CHUNK,
        });
        if (page.length === 0) {
          const next = counted({ ...state, phase: 'done' });
          await ctx.commit(next);
          return { state: next, done: true, progress: `scored ${state.scored} account members` };
        }
        // The mirror keeps every member ever read; a company's committee is as of its last read.
        const companies = new Map<string, CrmRecord | null>();
        const current: CrmRecord[] = [];
        for (const m of page) {
          const id = m.associations.company?.[0];
          if (!id) continue;
          if (!companies.has(id)) companies.set(id, await store.getRecord('company', id));
          if (companies.get(id)?.associations.contact?.includes(m.id)) current.push(m);
        }
        const settings = await store.getSettings();
        const quality: QualityTally = structuredClone(state.readAsMissing ?? {});
        const rows = scoreRecords(lm, current, {
          objectType: 'account_contact',
          asOf: state.asOf,
          tiers: settings.tiers,
          segments: settings.segments,
          scoredAt: state.scoredAt,
          quality,
        });
        const next = counted({
          ...state,
          cursor: page[page.length - 1]!.id,
          modelVersion: lm.version,
          scored: state.scored + rows.length,
          left: (state.left ?? 0) + page.length - current.length,
          readAsMissing: quality,
        });
        await ctx.commit(next, (tx) => tx.putScores(rows));
        return { state: next, done: false, progress: `scored ${next.scored} account members` };
      }
      return { state, done: true, progress: 'done' };
    },
    summary: (s) => ({
      scored: s.scored,
      left: s.left ?? 0,
      modelVersion: s.modelVersion,
      calls: s.calls,
      readAsMissing: s.readAsMissing ?? {},
      ...(s.skipped ? { skipped: s.skipped } : {}),
      ...(s.missingScopes ? { missingScopes: s.missingScopes } : {}),
    }),
  };
}

/** Scores on Contacts created on Accounts in a run's summary (`--json`, the CLI line). */
export interface MemberRunSummary {
  scored: number;
  written: number;
  unchanged: number;
  failed: number;
  /** Why nothing was scored or written (a refused permission names the object and the fix). */
  skipped: string | null;
}

/** The member stages of a chain's summary; null when the run did not reach them. */
export function memberSummaryOf(summary: Record<string, unknown>): MemberRunSummary | null {
  const s = summary['member-scores'] as Record<string, unknown> | undefined;
  if (!s) return null;
  const w = (summary['member-writeback'] ?? {}) as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' ? v : 0);
  return {
    scored: num(s.scored),
    written: num(w.written),
    unchanged: num(w.unchanged),
    failed: num(w.failed),
    skipped: typeof s.skipped === 'string' ? s.skipped : null,
  };
}

/** One line on them for the CLI. */
export function memberLine(m: MemberRunSummary): string {
  return m.skipped
    ? `account contacts skipped: ${m.skipped}`
    : `account contacts ${m.scored} scored (Contacts created on Accounts), ${m.written} written, ${m.unchanged} unchanged${m.failed ? `, ${m.failed} failed` : ''}`;
}
