/**
 * `leadlens demo` (what `npm start` runs): a local HubSpot emulator with a generated demo
 * portal, the contact pipeline against it through the real API client (deal and account scores
 * are left to `leadlens run`: they would double the demo's CPU and memory), a summary, then the
 * server with the scored-contacts page, card previews and the model report.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { startHubSpotEmulator } from '../../../emulator/hubspot';
import { startSalesforceEmulator } from '../../../emulator/salesforce';
import { rocAuc } from '../../model';
import {
  readReport,
  runToCompletion,
  tierStats,
  tierInputs,
  withRunLease,
  type PipelineDeps,
} from '../../pipeline';
import { composeDeps } from '../../server/compose';
import { createLogger } from '../../server/logger';
import { printJson, progressReporter } from '../context';
import { summarizeRun, type RunSummary } from './pipeline';
import { adminFor, listen } from './serve';

const DEMO_TOKEN = 'local-dev-token';
const DEMO_SECRET = 'local-demo-client-secret';
/** The emulator's portal id, as in the committed hubspot.config.yml. */
const DEMO_PORTAL = '1';

export interface DemoSummary extends RunSummary {
  trainingRows: number;
  conversionRate: number;
  liftTopDecile: number | null;
  /** AUC of the generator's hidden true propensity on the same held-out contacts. */
  truthAuc: number | null;
  tiers: Array<{ tier: string; label: string; count: number }>;
  apiCallsByKind: Record<string, number>;
  seconds: number;
}

export async function demoSummary(
  deps: PipelineDeps,
  run: RunSummary,
  truth: ((id: string) => { propensity: number } | undefined) | null,
  seconds: number,
): Promise<DemoSummary> {
  const published = await deps.store.getPublishedModel();
  const report = published ? readReport(published) : null;
  const stats = tierStats((await deps.store.getSettings()).tiers, await tierInputs(deps));
  const usage = deps.crm.usage();
  let truthAuc: number | null = null;
  if (truth && report) {
    const t = report.heldOut.ids.map((id) => truth(id)?.propensity ?? NaN);
    if (t.every(Number.isFinite)) truthAuc = rocAuc(report.heldOut.labels, t);
  }
  return {
    ...run,
    trainingRows: report?.trainingRows ?? 0,
    conversionRate: report?.conversionRate ?? 0,
    liftTopDecile: (report?.metrics.liftTopDecile as number | undefined) ?? null,
    truthAuc,
    tiers: stats.map((s) => ({ tier: s.value, label: s.label, count: s.count })),
    apiCallsByKind: usage.byKind,
    seconds,
  };
}

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'Start the local HubSpot emulator with a demo portal (or, with --crm salesforce, the Salesforce one with a demo org), run the contact pipeline against it (provision, sync, train, score every open contact and lead, write back; deal and account scores are `leadlens run`’s), print a summary, then serve the scored contacts, card previews and the model report.',
    )
    .addOption(
      new Option('--crm <crm>', 'which CRM to emulate')
        .choices(['hubspot', 'salesforce'])
        .default('hubspot'),
    )
    .option(
      '--contacts <n>',
      'contacts in the demo portal (leads in the Salesforce demo org)',
      '20000',
    )
    .option('--seed <seed>', 'demo portal seed', 'demo')
    .option('--port <port>', 'port of the LeadLens server (0 picks a free one)', '3000')
    .option('--emulator-port <port>', 'port of the HubSpot emulator (0 picks a free one)', '0')
    .option(
      '--db <file>',
      'SQLite state file (recreated for every demo)',
      path.join('.leadlens', 'demo.db'),
    )
    .option('--no-serve', 'exit after the summary instead of serving the pages')
    .option('--json', 'print the summary as JSON')
    .action(
      async (flags: {
        contacts: string;
        seed: string;
        port: string;
        emulatorPort: string;
        db: string;
        serve: boolean;
        json?: boolean;
        crm: 'hubspot' | 'salesforce';
      }) => {
        const started = Date.now();
        // The portal's history ends today (UTC midnight), so "now" on the pages is really
        // now and recency reads naturally; the same seed gives the same portal all day.
        const today = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000).toISOString();
        const salesforce = flags.crm === 'salesforce';
        const emulator = salesforce
          ? await startSalesforceEmulator({
              port: Number(flags.emulatorPort),
              seed: flags.seed,
              leads: Number(flags.contacts),
              now: today,
            })
          : await startHubSpotEmulator({
              port: Number(flags.emulatorPort),
              token: DEMO_TOKEN,
              seed: flags.seed,
              contacts: Number(flags.contacts),
              rateLimit: { tenSecondly: null, secondly: null, daily: null },
              now: today,
            });
        const truthOf = (id: string) =>
          'truth' in emulator ? emulator.truth(id) : (emulator.portal.truth(id) ?? undefined);
        if (!flags.json)
          process.stderr.write(
            `${salesforce ? 'Salesforce' : 'HubSpot'} emulator with ${flags.contacts} demo ${salesforce ? 'leads' : 'contacts'} on ${emulator.url}\n`,
          );
        for (const suffix of ['', '-wal', '-shm']) fs.rmSync(flags.db + suffix, { force: true });
        // The demo is the laptop deployment: always the embedded SQLite file, one portal.
        const deps = await composeDeps({
          baseUrl: emulator.url,
          token: DEMO_TOKEN,
          portalId: salesforce ? 'salesforce' : DEMO_PORTAL,
          databaseUrl: null,
          dbFile: flags.db,
          log: createLogger({ level: 'warn' }),
          ...('accessToken' in emulator
            ? { salesforce: { instanceUrl: emulator.url, accessToken: emulator.accessToken } }
            : {}),
        });
        const progress = progressReporter(!flags.json);
        let res;
        try {
          res = await withRunLease(deps, { purpose: 'run', role: 'leadlens demo' }, (d) =>
            runToCompletion(d, { retrain: 'always', onProgress: (r) => progress.update(r) }),
          );
        } finally {
          progress.stop();
        }
        const summary = await demoSummary(
          deps,
          await summarizeRun(deps, res),
          truthOf,
          (Date.now() - started) / 1000,
        );
        if (flags.json) printJson(summary);
        else printDemoSummary(summary);
        if (!flags.serve) {
          await deps.close();
          await emulator.close();
          return;
        }
        const admin = adminFor({ host: '127.0.0.1', dbFile: flags.db });
        const { url } = await listen(deps, {
          port: Number(flags.port),
          clientSecret: DEMO_SECRET,
          admin,
        });
        process.stdout.write(
          `\nScored contacts, card previews and the model report: ${url}\n` +
            `Sign in with the admin token from ${admin.source.replace(/^file /, '')}` +
            `${admin.generated ? ' (generated for this machine; set LEADLENS_ADMIN_TOKEN to choose one)' : ''}.\n(Ctrl-C to stop)\n`,
        );
        const stop = () => {
          void Promise.allSettled([deps.close(), emulator.close()]).finally(() => process.exit(0));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      },
    );
}

function printDemoSummary(s: DemoSummary): void {
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  const m = s.metrics as { auc?: number | null };
  const lines = [
    '',
    `LeadLens demo — ${s.seconds.toFixed(1)} s`,
    `  contacts synced        ${s.contactsSynced}`,
    `  training rows          ${s.trainingRows} (conversion rate ${pct(s.conversionRate)})`,
    `  model                  v${s.modelVersion} ${s.modelType}`,
    `  AUC, out of fold       ${m.auc?.toFixed(3) ?? '—'}   (true propensity on the same contacts: ${s.truthAuc?.toFixed(3) ?? '—'})`,
    `  lift of the top decile ${s.liftTopDecile?.toFixed(2) ?? '—'}×`,
    `  tiers                  ${s.tiers.map((t) => `${t.label} ${t.count}`).join(' · ')}`,
    `  scored / written       ${s.scored} / ${s.written}`,
    `  API calls              ${s.apiCalls} (minimum possible ${s.minimumApiCalls ?? '—'}; ${s.throttled} answered 429)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
