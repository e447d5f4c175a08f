/**
 * The CRM pipeline from a terminal: `leadlens run` loops the same resumable jobs the serverless
 * functions run in HubSpot, call after call, until they finish. `sync`, `writeback`, `status`
 * and `models` run one part each. (`train` and `score` without --csv are in their own files.)
 */
import { type Command } from 'commander';
import type { JobResult } from '../../contracts/functions';
import { minimumCalls } from '../../crm/hubspot/limits';
import {
  changePublished,
  dealSummaryOf,
  accountLine,
  accountSummaryOf,
  memberLine,
  memberSummaryOf,
  type AccountStageSummary,
  type MemberRunSummary,
  type DealRunSummary,
  governanceStatus,
  modelSummary,
  readReport,
  runJobToEnd,
  runToCompletion,
  type JobDefinition,
  syncJob,
  writebackJob,
  type PipelineDeps,
  verifyWriteback,
  type VerifyReport,
} from '../../pipeline';
import { LeadLensError } from '../../contracts/errors';
import { printJson, requireExistingStore, withCrmFlags, type CrmFlags } from '../context';
import {
  withDeps,
  withLeasedDeps,
  withProgress,
  withRunOptions,
  type RunFlags,
} from '../run-options';

export interface RunSummary {
  contactsSynced: number;
  modelVersion: number | null;
  modelType: string | null;
  metrics: Record<string, unknown>;
  scored: number;
  written: number;
  apiCalls: number;
  /**
   * The fewest calls HubSpot's limits allow for this run's work (full syncs only; null
   * otherwise): see src/crm/hubspot/limits.ts.
   */
  minimumApiCalls: number | null;
  throttled: number;
  /** Records whose write failed for good (reason recorded; not retried until they change). */
  failed: number;
  failures: Array<{ id: string; objectType: string; code: string; message: string }>;
  status: JobResult['status'];
  resumeAt?: string;
  /** Deal scores of this run (null when the run did not reach them): see `leadlens deals`. */
  deals: DealRunSummary | null;
  /** Account scores of this run (null when the run did not reach them). */
  accounts: AccountStageSummary | null;
  /** Own scores of Salesforce Contacts created on Accounts (null when the run did not reach them). */
  accountContacts: MemberRunSummary | null;
}

export async function summarizeRun(deps: PipelineDeps, res: JobResult): Promise<RunSummary> {
  const s = res.summary as Record<string, Record<string, unknown> | undefined>;
  const published = await deps.store.getPublishedModel();
  const report = published ? readReport(published) : null;
  const usage = deps.crm.usage();
  return {
    contactsSynced: Number(s.sync?.contacts ?? 0),
    modelVersion: published?.version ?? null,
    modelType: published?.modelType ?? null,
    metrics: report ? { ...report.metrics } : {},
    scored: Number(s.score?.scored ?? 0) + Number(s.score?.leads ?? 0),
    written: Number(s.writeback?.written ?? 0),
    apiCalls: usage.calls,
    minimumApiCalls: await minimumFor(deps, s),
    throttled: usage.throttled,
    failed: Number(s.writeback?.failed ?? 0),
    failures: (s.writeback?.failures as RunSummary['failures'] | undefined) ?? [],
    status: res.status,
    ...(res.resumeAt ? { resumeAt: res.resumeAt } : {}),
    deals: dealSummaryOf(res.summary, Number((s.deals as { calls?: number })?.calls ?? 0)),
    accounts: accountSummaryOf(res.summary),
    // Only where committee members can be other than the scored contacts (Salesforce).
    accountContacts: deps.crm.members ? memberSummaryOf(res.summary) : null,
  };
}

/** The minimum for a full sync plus write-back of what this run synced and wrote. */
export async function minimumFor(
  deps: PipelineDeps,
  s: Record<string, Record<string, unknown> | undefined>,
): Promise<number | null> {
  if (deps.crm.kind !== 'hubspot' || !s.sync || s.sync.incremental !== false) return null;
  const written = Number(s.writeback?.written ?? 0);
  // Leads are written only when scored; the rest of the writes are contacts.
  const leadsWritten = Math.min(written, await deps.store.countScores('lead'));
  return minimumCalls({
    contacts: Number(s.sync.contacts ?? 0),
    deals: Number(s.sync.deals ?? 0),
    leads: Number(s.sync.leads ?? 0),
    contactsWritten: written - leadsWritten,
    leadsWritten,
    historyOnListPages: (deps.crm.usage().byKind['contacts.list'] ?? 0) === 0,
  });
}

function loopJob<S extends Record<string, unknown>>(
  deps: PipelineDeps,
  make: () => JobDefinition<S>,
  flags: CrmFlags,
) {
  return withProgress(flags, (onProgress) => runJobToEnd(deps, make, { onProgress }));
}

export function register(program: Command): void {
  withCrmFlags(
    withRunOptions(
      program
        .command('run')
        .description(
          'Sync, train (when due), score every open contact and lead, and write back what changed; then deal and account scores (skipped, with the reason, where the portal has too few deals or the install lacks their scopes).',
        ),
      'contact model',
      ' or an open monitoring alert asks for it',
    )
      .option(
        '--full-sync',
        'read every contact again instead of only those changed since the last sync',
      )
      .option(
        '--no-deals',
        'skip deal and account scores (by default the run scores open deals and companies too when the portal has enough history)',
      ),
  ).action(async (flags: RunFlags & { fullSync?: boolean; deals: boolean }) => {
    await withLeasedDeps(flags, 'run', async (deps) => {
      const res: JobResult = await withProgress(flags, (onProgress) =>
        runToCompletion(deps, {
          retrain: flags.retrain,
          fullSync: flags.fullSync,
          restart: flags.restart,
          deals: flags.deals,
          onProgress,
        }),
      );
      const summary = await summarizeRun(deps, res);
      if (flags.json) printJson(summary);
      else printRunSummary(summary);
      if (res.status === 'paused') process.exitCode = 3;
    });
  });

  withCrmFlags(
    program
      .command('sync')
      .description(
        'Mirror contacts (with property history), deals and leads from the CRM into the local store.',
      )
      .option(
        '--full',
        'read every contact again instead of only those changed since the last sync',
      ),
  ).action(async (flags: CrmFlags & { full?: boolean }) => {
    await withLeasedDeps(flags, 'sync', async (deps) => {
      const res = await loopJob(deps, () => syncJob({ full: flags.full }), flags);
      const out = { ...res.summary, status: res.status, apiCalls: deps.crm.usage().calls };
      if (flags.json) printJson(out);
      else printLines(syncText(out));
    });
  });

  withCrmFlags(
    program
      .command('provision')
      .description(
        'Create the `leadlens` property group and properties on contacts and leads (idempotent); the tier options follow the settings.',
      ),
  ).action(async (flags: CrmFlags) => {
    await withLeasedDeps(flags, 'provision', async (deps) => {
      await deps.crm.provision((await deps.store.getSettings()).tiers);
      const calls = deps.crm.usage().calls;
      if (flags.json) printJson({ provisioned: true, apiCalls: calls });
      else
        printLines([
          `provisioned     the leadlens property group and properties on contacts and leads (${calls} API calls)`,
        ]);
    });
  });

  withCrmFlags(
    program
      .command('writeback')
      .description('Write the stored scores that changed back to the CRM, in batches of 100.'),
  ).action(async (flags: CrmFlags) => {
    await withLeasedDeps(flags, 'writeback', async (deps) => {
      const res = await loopJob(deps, () => writebackJob(), flags);
      const out = { ...res.summary, status: res.status, apiCalls: deps.crm.usage().calls };
      if (flags.json) printJson(out);
      else printLines(writebackText(out));
    });
  });

  withCrmFlags(
    program
      .command('verify')
      .description(
        'Read the CRM back (batch reads of 100) and compare every scored record with the store; exit 1 on any mismatch.',
      )
      .option('--limit <n>', 'mismatches to list', '100'),
  ).action(async (flags: CrmFlags & { limit: string }) => {
    requireExistingStore(flags, 'verify');
    await withDeps(flags, async (deps) => {
      const report = await verifyWriteback(deps, { limit: Number(flags.limit) || 100 });
      if (flags.json) printJson(report);
      else printVerifyReport(report);
      if (report.mismatchCount > 0) process.exitCode = 1;
    });
  });

  withCrmFlags(
    program
      .command('status')
      .description(
        'Show the published model, who is running the pipeline now (the run lease), the jobs and their checkpoints.',
      ),
  ).action(async (flags: CrmFlags) => {
    requireExistingStore(flags, 'status');
    await withDeps(flags, async (deps) => {
      const jobs = [];
      for (const j of [
        'run',
        'sync',
        'train',
        'score',
        'monitor',
        'writeback',
        'deal-scores',
        'deal-writeback',
        // `leadlens deals` / `leadlens accounts` run their own chains; the account stages.
        'deals-run',
        'accounts-run',
        'object-read',
        'account-scores',
        'account-writeback',
        'member-scores',
        'member-writeback',
      ]) {
        const cp = await deps.store.getJob(j);
        jobs.push(
          cp
            ? {
                job: j,
                status: cp.status,
                updatedAt: cp.updatedAt,
                message: cp.message ?? null,
                resumeAt: cp.resumeAt ?? null,
              }
            : { job: j, status: 'never run' },
        );
      }
      const lease = await deps.store.getLease();
      const failures = await deps.store.listWriteFailures({ limit: 20 });
      const status = {
        portal: deps.store.portalId,
        model: await modelSummary(deps),
        contacts: await deps.store.countRecords('contact'),
        leads: await deps.store.countRecords('lead'),
        scored: await deps.store.countScores('contact'),
        dealsScored: await deps.store.countScores('deal'),
        dealModel: (await deps.store.getPublishedObjectModel('deal'))?.version ?? null,
        accountsScored: await deps.store.countScores('company'),
        accountModel: (await deps.store.getPublishedObjectModel('company'))?.version ?? null,
        accountContactsScored: await deps.store.countScores('account_contact'),
        governance: await governanceStatus(deps.store),
        running: lease
          ? {
              holder: lease.holder,
              purpose: lease.purpose,
              since: lease.acquiredAt,
              expiresAt: lease.expiresAt,
            }
          : null,
        jobs,
        writeFailures: {
          total: failures.total,
          recent: failures.rows.map((f) => ({
            objectType: f.objectType,
            id: f.id,
            code: f.code,
            message: f.message,
            retryable: f.retryable,
            attempts: f.attempts,
            failedAt: f.failedAt,
          })),
        },
      };
      if (flags.json) printJson(status);
      else printLines(statusText(status));
    });
  });

  const models = program
    .command('models')
    .description(
      'List model versions, publish one or roll back, promote a challenger; model cards and the decision log.',
    );
  withCrmFlags(models.command('list').description('List the stored model versions.')).action(
    async (flags: CrmFlags) => {
      requireExistingStore(flags, 'models list');
      await withDeps(flags, async (deps) => {
        const list = (await deps.store.listModels()).map((m) => ({
          version: m.version,
          modelType: m.modelType,
          status: m.status,
          trainedAt: m.trainedAt,
          auc: readReport(m)?.metrics.auc ?? null,
        }));
        if (flags.json) printJson(list);
        else
          printLines(
            list.length === 0
              ? ['No model versions yet: `leadlens train` (or `leadlens run`) trains the first.']
              : list.map(
                  (m) =>
                    `v${String(m.version).padEnd(4)} ${m.modelType.padEnd(9)} ${m.status.padEnd(10)} trained ${m.trainedAt}  AUC ${m.auc === null ? '—' : m.auc.toFixed(3)}`,
                ),
          );
      });
    },
  );
  withCrmFlags(
    models
      .command('publish <version>')
      .description(
        'Publish a stored version (also how to roll back, or promote a challenger); the next score run uses it. Logged in the decision log.',
      )
      .option('--reason <text>', 'why (kept in the decision log and the model card)'),
  ).action(async (version: string, flags: CrmFlags & { reason?: string }) => {
    await withLeasedDeps(flags, 'models publish', async (deps) => {
      const v = parseVersion(version);
      const action = await changePublished(deps.store, v, {
        actor: 'cli',
        reason: flags.reason ?? 'Published with `leadlens models publish`.',
        at: new Date(deps.now()).toISOString(),
      });
      printJson({ published: v, action });
    });
  });
}

/** A model version from the command line: a positive integer, or INPUT_INVALID. */
export function parseVersion(text: string): number {
  const v = Number(text.replace(/^v/i, ''));
  if (!Number.isInteger(v) || v < 1) {
    throw new LeadLensError('INPUT_INVALID', `"${text}" is not a model version.`, {
      hint: 'Use the number `leadlens models list` shows, e.g. 3.',
    });
  }
  return v;
}

export function printRunSummary(s: RunSummary): void {
  const m = s.metrics as { auc?: number | null; liftTopDecile?: number | null };
  const lines = [
    `status          ${s.status}${s.resumeAt ? ` (resumes at ${s.resumeAt})` : ''}`,
    `contacts synced ${s.contactsSynced}`,
    `model           v${s.modelVersion ?? '—'} ${s.modelType ?? ''}  AUC ${m.auc?.toFixed(3) ?? '—'}  top-decile lift ${m.liftTopDecile?.toFixed(2) ?? '—'}×`,
    `scored          ${s.scored}`,
    `written         ${s.written}`,
    `API calls       ${s.apiCalls}${s.minimumApiCalls !== null ? ` (minimum possible ${s.minimumApiCalls})` : ''}, ${s.throttled} answered 429`,
  ];
  if (s.deals) lines.push(dealLine(s.deals));
  if (s.accounts) lines.push(accountLine(s.accounts));
  if (s.accountContacts) lines.push(memberLine(s.accountContacts));
  if (s.failed > 0) {
    lines.push(`not written     ${s.failed} (the CRM refused them; not retried until they change)`);
    for (const f of s.failures) lines.push(`  ${f.objectType} ${f.id}: ${f.code} ${f.message}`);
    if (s.failures.length < s.failed) lines.push(`  … see \`leadlens status\``);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** One line on the deal scores of a run. */
export function dealLine(d: DealRunSummary): string {
  const model =
    d.modelVersion === null
      ? 'no deal model'
      : `deal model v${d.modelVersion}${d.trained ? ' (new)' : ''}${
          d.auc !== null
            ? `  AUC ${d.auc.toFixed(3)} vs stage alone ${d.stageAuc?.toFixed(3) ?? '—'}`
            : ''
        }`;
  const skipped = d.skipped ? ` — ${d.skipped}` : '';
  return `deals           ${d.scored} open scored, ${d.written} written; ${model}${skipped}`;
}

export function printVerifyReport(r: VerifyReport): void {
  const lines = [
    `checked         ${r.checked} records (${r.calls} API calls)`,
    `matching        ${r.matching}`,
    `mismatches      ${r.mismatchCount}${r.missing > 0 ? ` (${r.missing} records not found in the CRM)` : ''}`,
  ];
  for (const m of r.mismatches)
    lines.push(
      `  ${m.objectType} ${m.id} ${m.property}: CRM ${JSON.stringify(m.actual)}, store ${JSON.stringify(m.expected)}`,
    );
  if (r.knownFailures.length > 0) {
    lines.push(
      `known failures  ${r.knownFailures.length} (their writes were refused; see \`leadlens status\`)`,
    );
    for (const f of r.knownFailures.slice(0, 20))
      lines.push(`  ${f.objectType} ${f.id}: ${f.code} ${f.message}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

const printLines = (lines: readonly string[]): void => {
  process.stdout.write(`${lines.join('\n')}\n`);
};

/** `leadlens sync` without --json. */
export function syncText(s: Record<string, unknown>): string[] {
  return [
    `status          ${String(s.status)}`,
    `synced          ${Number(s.contacts ?? 0)} contacts (${s.incremental ? 'changed since the last sync' : 'all'}), ${Number(s.deals ?? 0)} deals, ${Number(s.leads ?? 0)} leads`,
    `API calls       ${Number(s.apiCalls ?? 0)}`,
  ];
}

/** `leadlens writeback` without --json. */
export function writebackText(s: Record<string, unknown>): string[] {
  const failures = (s.failures ?? []) as Array<{
    objectType: string;
    id: string;
    code: string;
    message: string;
  }>;
  const failed = Number(s.failed ?? 0);
  const lines = [
    `status          ${String(s.status)}`,
    `written         ${Number(s.written ?? 0)} (${Number(s.unchanged ?? 0)} unchanged, not sent)`,
    `API calls       ${Number(s.apiCalls ?? 0)}`,
  ];
  if (failed > 0) {
    lines.push(`not written     ${failed} (the CRM refused them; not retried until they change)`);
    for (const f of failures) lines.push(`  ${f.objectType} ${f.id}: ${f.code} ${f.message}`);
    if (failures.length < failed) lines.push('  … see `leadlens status`');
  }
  return lines;
}

interface StatusView {
  portal: string;
  model: { version: number; modelType: string; trainedAt: string; auc: number | null } | null;
  contacts: number;
  leads: number;
  scored: number;
  dealsScored: number;
  dealModel: number | null;
  accountsScored: number;
  accountModel: number | null;
  accountContactsScored: number;
  governance: { alerts: unknown[]; lastMonitoredAt: string | null };
  running: { holder: string; purpose: string; since: string; expiresAt: string } | null;
  jobs: Array<{
    job: string;
    status: string;
    updatedAt?: string;
    message?: string | null;
    resumeAt?: string | null;
  }>;
  writeFailures: {
    total: number;
    recent: Array<{ objectType: string; id: string; code: string; message: string }>;
  };
}

/** `leadlens status` without --json: the same facts, one line each. */
export function statusText(s: StatusView): string[] {
  const m = s.model;
  const ran = s.jobs.filter((j) => j.status !== 'never run');
  const never = s.jobs.filter((j) => j.status === 'never run').map((j) => j.job);
  const lines = [
    `portal          ${s.portal}`,
    `model           ${m ? `v${m.version} ${m.modelType}, trained ${m.trainedAt}, AUC ${m.auc === null ? '—' : m.auc.toFixed(3)}` : 'none published'}`,
    `records         ${s.contacts} contacts, ${s.leads} leads`,
    `scores          ${s.scored} contacts; ${s.dealsScored} deals (${s.dealModel === null ? 'no deal model' : `deal model v${s.dealModel}`}); ${s.accountsScored} companies (${s.accountModel === null ? 'no account model' : `account model v${s.accountModel}`})${s.accountContactsScored ? `; ${s.accountContactsScored} account contacts` : ''}`,
    `running         ${s.running ? `${s.running.purpose} by ${s.running.holder} since ${s.running.since} (lease expires ${s.running.expiresAt})` : 'nothing'}`,
    `alerts          ${s.governance.alerts.length} open; last monitored ${s.governance.lastMonitoredAt ?? 'never'} (\`leadlens governance\`)`,
    'jobs',
    ...ran.map(
      (j) =>
        `  ${j.job.padEnd(18)} ${j.status}${j.updatedAt ? ` ${j.updatedAt}` : ''}${j.resumeAt ? ` (resumes at ${j.resumeAt})` : ''}${j.message ? ` — ${j.message}` : ''}`,
    ),
    ...(never.length ? [`  never run: ${never.join(', ')}`] : []),
    `not written     ${s.writeFailures.total}${s.writeFailures.total ? ' (the CRM refused them; not retried until they change)' : ''}`,
    ...s.writeFailures.recent.map((f) => `  ${f.objectType} ${f.id}: ${f.code} ${f.message}`),
  ];
  return lines;
}
