/**
 * `leadlens accounts` (issue 16): the account stages on their own, through the real command
 * line — `accounts --json`, a second run that writes nothing, `accounts models` — and its help
 * naming the options the shared wiring gives `deals` and `run` too.
 */
import { buildProgram } from '../../src/cli/main';
import { cliInProcess } from '../support/cli-output';
import { runToCompletion } from '../../src/pipeline';
import type { AccountsCommandSummary } from '../../src/pipeline';
import type { AppDeps } from '../../src/server/compose';
import {
  depsFor,
  PORTAL,
  sqlsAsConversions,
  startPortal,
  tempDb,
  TOKEN,
  writesOf,
  type Emulator,
} from './helpers';

const now = Date.now() + 3_600_000;

const cli = cliInProcess;

describe('leadlens accounts', () => {
  let emu: Emulator;
  let deps: AppDeps;
  const db = tempDb('accounts-cli');
  const env = { ...process.env };

  beforeAll(async () => {
    emu = await startPortal(120, 'few-deals');
    deps = await depsFor(emu.url, db, now);
    await sqlsAsConversions(deps, now);
    // The contact model first: the committee features read the published contact scores.
    expect((await runToCompletion(deps, { deals: false })).status).toBe('done');
    await deps.close();
    process.env.HUBSPOT_ACCESS_TOKEN = TOKEN;
    process.env.HUBSPOT_PORTAL_ID = PORTAL;
    process.env.LEADLENS_LOG_LEVEL = 'silent';
    process.env.LEADLENS_NOW = new Date(now).toISOString();
  });
  afterAll(async () => {
    process.env = env;
    await emu?.close();
  });

  it('reads, trains, scores and writes the companies, and --json says so', async () => {
    const out = JSON.parse(
      await cli(['accounts', '--base-url', emu.url, '--db', db, '--json']),
    ) as AccountsCommandSummary;
    expect(out.status).toBe('done');
    expect(out.deals).toBeGreaterThan(0);
    expect(out.companies).toBeGreaterThan(0);
    expect(out.calls).toBeGreaterThan(0);
    const written = Object.keys(await writesOf(emu.url, 'companies')).length;
    if (out.skipped === null) {
      expect(out.modelVersion).toBe(1);
      expect(out.scored).toBeGreaterThan(0);
      expect(out.written).toBe(out.scored);
      expect(written).toBe(out.scored);
    } else {
      // A model without signal (or too little history) scores nothing, and says why.
      expect(out.scored).toBe(0);
      expect(written).toBe(0);
    }

    // A second run resumes nothing and writes nothing new.
    const again = JSON.parse(
      await cli(['accounts', '--base-url', emu.url, '--db', db, '--json', '--retrain', 'never']),
    ) as AccountsCommandSummary;
    expect(again.status).toBe('done');
    expect(again.written).toBe(0);
    // --retrain never keeps a published model; without one (no signal) it may train again.
    if (out.skipped === null) expect(again.trained).toBe(false);

    const models = JSON.parse(
      await cli(['accounts', 'models', '--base-url', emu.url, '--db', db]),
    ) as Array<{ version: number; verdict: string | null; trainingRows: number | null }>;
    expect(models.map((m) => m.version)).toEqual(again.trained ? [1, 2] : [1]);
    expect(models[0]!.trainingRows).toBeGreaterThan(0);

    const text = await cli(['accounts', '--base-url', emu.url, '--db', db, '--retrain', 'never']);
    expect(text).toMatch(/^status +done$/m);
    expect(text).toMatch(/^read +\d+ deals, \d+ companies \(\d+ API calls\)$/m);
    expect(text).toMatch(/^accounts +\d+ companies scored, 0 written; /m);

    // `leadlens status` shows the account chain and its stages beside the contact jobs.
    const status = JSON.parse(
      await cli(['status', '--json', '--base-url', emu.url, '--db', db]),
    ) as {
      jobs: Array<{ job: string; status: string }>;
      accountsScored: number;
      accountModel: number | null;
    };
    const job = (name: string) => status.jobs.find((j) => j.job === name)?.status;
    expect(job('accounts-run')).toBe('done');
    expect(job('object-read')).toBe('done');
    expect(job('account-scores')).toBe('done');
    expect(status.accountsScored).toBe(out.skipped === null ? out.scored : 0);
    expect(status.accountModel).toBe(out.skipped === null ? (again.trained ? 2 : 1) : null);
  });

  it('--help names what the command does and the shared run options', async () => {
    for (const name of ['accounts', 'deals', 'run']) {
      const help = buildProgram(['node', 'leadlens', name])
        .commands.find((c) => c.name() === name)!
        .helpInformation()
        .replace(/\s+/g, ' ');
      expect(help).toMatch(/--retrain <when>/);
      expect(help).toMatch(/choices: "auto", "always", "never"/);
      expect(help).toMatch(/--restart/);
      expect(help).toMatch(/--json/);
      if (name !== 'run') expect(help).toMatch(/Commands: models List the stored/);
      // Commander refuses any other value before the command runs.
      const cmd = buildProgram(['node', 'leadlens', name]).commands.find((c) => c.name() === name)!;
      const retrain = cmd.options.find((o) => o.long === '--retrain')!;
      expect(retrain.argChoices).toEqual(['auto', 'always', 'never']);
    }
    const accounts = buildProgram(['node', 'leadlens', 'accounts'])
      .commands.find((c) => c.name() === 'accounts')!
      .helpInformation()
      .replace(/\s+/g, ' ');
    expect(accounts).toMatch(/account model/);
    expect(accounts).toMatch(/leadlens_account_\*/);
  });
});
