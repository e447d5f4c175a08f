/**
 * Deal and account stages on an install that lacks their CRM permissions. The app asks for the
 * deal and company scopes since deal and account scores exist; a HubSpot install authorised
 * before that (or a Salesforce integration user without the permission set on Opportunity or
 * Account) gets CRM_SCOPES at the first deal or company call. That is no reason to fail the
 * contact run: the stage is skipped with what is missing and how to fix it, and the run, the
 * CLI, `--json`, the report page and the settings page say so.
 */
import type { ObjectStageStatus } from '../../contracts/functions';
import { isLeadLensError } from '../../errors';
import type { StoreOps } from '../../store/port';
import { isNoMembersSkip } from './member-scores';

/** What a stage's summary holds when the CRM refused it a permission. */
export interface ScopeSkip extends Record<string, unknown> {
  skipped: string;
  /** The scopes HubSpot said the refused call needs (empty when the CRM did not name them). */
  missingScopes: string[];
}

const WHAT = { deals: 'deal scores', accounts: 'account scores' } as const;

/** The skip summary for a CRM_SCOPES error met by a deal or account stage; null for others. */
export function scopeSkipOf(e: unknown, object: keyof typeof WHAT): ScopeSkip | null {
  if (!isLeadLensError(e, 'CRM_SCOPES')) return null;
  const scopes = e.details?.requiredGranularScopes;
  const missing = Array.isArray(scopes) ? scopes.map(String) : [];
  const kind = typeof e.details?.kind === 'string' ? ` (${e.details.kind})` : '';
  const why = missing.length
    ? `the app is not granted ${missing.join(', ')}${kind}: it was installed before LeadLens asked for them. Reinstall or re-authorise the LeadLens app in HubSpot so the install is granted the scopes in app/app-hsmeta.json`
    : `${e.message} ${e.hint ?? ''}`.trim();
  return {
    skipped: `missing CRM permission for ${WHAT[object]}: ${why}. Contact scores are not affected.`,
    missingScopes: missing,
  };
}

/** Whether a stage's summary is a permission skip (its write-back and dependants skip too). */
export function isScopeSkip(summary: Record<string, unknown> | undefined): summary is ScopeSkip {
  return !!summary && typeof summary.skipped === 'string' && Array.isArray(summary.missingScopes);
}

/**
 * The deal and account stages, and the scores on Contacts created on Accounts (`members`,
 * Salesforce only), of the newest run that reached them, for the report and settings,
 * read from the chain checkpoints (`run`, and `deals-run` for `leadlens deals`): the newest that
 * has the stage wins. No new table: the checkpoint already keeps each stage's summary.
 */
export async function objectStageStatus(
  store: Pick<StoreOps, 'getJob'>,
): Promise<ObjectStageStatus[]> {
  const cps = (await Promise.all(['run', 'deals-run', 'accounts-run'].map((j) => store.getJob(j))))
    .filter((c) => c !== null)
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  const out: ObjectStageStatus[] = [];
  for (const stage of ['deals', 'accounts', 'members'] as const) {
    for (const cp of cps) {
      const results = (cp.state.results ?? {}) as Record<string, Record<string, unknown>>;
      const s = results[stage === 'members' ? 'member-scores' : stage];
      if (!s) continue;
      if (stage === 'members' && typeof s.skipped === 'string') {
        // On a CRM without such members (HubSpot) the stage has nothing to say; skipped only
        // because the deal stage was (--no-deals, no deals), the deal note says it already.
        if (isNoMembersSkip(s.skipped)) break;
        if (typeof results.deals?.skipped === 'string' && !isScopeSkip(s)) break;
      }
      out.push({
        stage,
        at: cp.updatedAt,
        skipped: typeof s.skipped === 'string' ? s.skipped : null,
        missingScopes: isScopeSkip(s) ? s.missingScopes : [],
        permission: isScopeSkip(s),
      });
      break;
    }
  }
  return out;
}
