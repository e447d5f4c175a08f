/**
 * An install authorised before LeadLens asked for the deal and company scopes (issue 16): the
 * emulator answers its deal and company calls 403 MISSING_SCOPES, as HubSpot does
 * (docs/hubspot-fidelity.md row 26). The run must still score and write the contacts, skip the
 * deal and account stages with what is missing and how to fix it, and say so in the run summary,
 * the CLI line, `--json`, the report page and the settings page.
 */
import { Alert } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { SettingsPage } from '../../app/settings/SettingsPage';
import { dealLine, printRunSummary, summarizeRun } from '../../src/cli/commands/pipeline';
import {
  accountLine,
  runAccountStages,
  runDealScores,
  runToCompletion,
  settingsAction,
} from '../../src/pipeline';
import type { AppDeps } from '../../src/server/compose';
import {
  depsFor,
  sqlsAsConversions,
  startScopesPortal,
  tempDb,
  writesOf,
  type Emulator,
} from './helpers';

const now = Date.now() + 3_600_000;
/** What the app asked for before deal and account scores (app/app-hsmeta.json at 859ce68). */
const OLD_SCOPES = [
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'crm.objects.deals.read',
  'crm.objects.leads.read',
  'crm.objects.leads.write',
  'automation',
];

describe('deal and account stages on an install without their scopes', () => {
  let emu: Emulator;
  let deps: AppDeps;

  beforeAll(async () => {
    // A second private app installed with the old scopes only.
    emu = await startScopesPortal({ 'old-install': OLD_SCOPES });
    deps = await depsFor(emu.url, tempDb('object-scopes'), now, 'old-install');
    await sqlsAsConversions(deps, now);
  });
  afterAll(async () => {
    await deps?.close();
    await emu?.close();
  });

  it('scores and writes the contacts, and skips deals and accounts saying what scope is missing', async () => {
    const res = await runToCompletion(deps, { deals: true, stepBudgetMs: 5000 });
    expect(res.status).toBe('done');
    const summary = await summarizeRun(deps, res);
    expect(summary.scored).toBeGreaterThan(0);
    expect(summary.written).toBeGreaterThan(0);
    expect(Object.keys(await writesOf(emu.url, 'contacts')).length).toBeGreaterThan(0);

    const deals = summary.deals!;
    expect(deals.skipped).toMatch(/^missing CRM permission for deal scores: /);
    expect(deals.skipped).toMatch(/Reinstall or re-authorise the LeadLens app/);
    expect(deals.missingScopes.length).toBeGreaterThan(0);
    // Every scope HubSpot named is one the old install lacks.
    expect(deals.missingScopes.some((s) => !OLD_SCOPES.includes(s))).toBe(true);
    expect(deals.skipped).toContain(deals.missingScopes.join(', '));
    expect(deals.scored).toBe(0);
    const accounts = summary.accounts!;
    // The deals were still read (deals.read is granted); the companies were refused: the
    // account stages skip on the company scopes themselves.
    expect(accounts.skipped).toMatch(/^missing CRM permission for account scores: /);
    expect(accounts.missingScopes.length).toBeGreaterThan(0);
    expect(accounts.missingScopes.every((s) => /companies/.test(s))).toBe(true);
    expect(accounts.missingScopes.some((s) => !OLD_SCOPES.includes(s))).toBe(true);
    expect(Object.keys(await writesOf(emu.url, 'deals'))).toEqual([]);
    expect(await deps.store.listObjectModels('deal')).toEqual([]);

    // The CLI's lines and --json carry the reason.
    expect(dealLine(deals)).toContain(deals.skipped!);
    expect(accountLine(accounts)).toContain(accounts.skipped!);
    const json = JSON.parse(JSON.stringify(summary)) as typeof summary;
    expect(json.deals?.missingScopes).toEqual(deals.missingScopes);
    const out: string[] = [];
    const write = jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
    try {
      printRunSummary(summary);
    } finally {
      write.mockRestore();
    }
    expect(out.join('')).toMatch(/^status +done$/m);
    expect(out.join('')).toMatch(/^deals +0 open scored.*missing CRM permission/m);
  });

  it('`leadlens deals` alone finishes with the same skip, not a failure', async () => {
    const out = await runDealScores(deps, { restart: true });
    expect(out.status).toBe('done');
    expect(out.skipped).toMatch(/missing CRM permission for deal scores/);
    expect(out.missingScopes.length).toBeGreaterThan(0);
  });

  it('`leadlens accounts` alone skips the same way, naming account scores', async () => {
    const out = await runAccountStages(deps, { restart: true });
    expect(out.status).toBe('done');
    expect(out.skipped).toMatch(/^missing CRM permission for account scores: .*Reinstall/);
    expect(out.missingScopes.length).toBeGreaterThan(0);
    expect(out.scored).toBe(0);
  });

  it('the settings page shows the skip and how to fix it', async () => {
    const result = await settingsAction(deps, { action: 'get' });
    const stages = result.objectStages ?? [];
    expect(stages.map((s) => s.stage).sort()).toEqual(['accounts', 'deals']);
    expect(stages.every((s) => s.missingScopes.length > 0)).toBe(true);

    const r = createRenderer('settings');
    // The page calls the real settings use case, as the settings function would.
    r.render(
      <SettingsPage
        serverless={
          (async (_name: string, o?: { parameters?: unknown }) =>
            settingsAction(deps, o?.parameters as never)) as never
        }
      />,
    );
    await r.waitFor(() =>
      expect(r.maybeFind(Alert, (a) => a.props.testId === 'deals-skipped')).not.toBeNull(),
    );
    const alert = r.findByTestId(Alert, 'deals-skipped');
    expect(alert.props.title).toBe('Deal scores skipped: missing permission');
    expect(alert.text).toMatch(/Reinstall or re-authorise/);
    expect(r.findByTestId(Alert, 'accounts-skipped').text).toMatch(/missing CRM permission/);
  });
});
