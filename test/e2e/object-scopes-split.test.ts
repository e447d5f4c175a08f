/**
 * Deal and account stages skip on their own scopes (issue 16). An install granted the deal scopes
 * but not the company ones (crm.objects.companies.read/write, crm.schemas.companies.read/write)
 * still gets deal scores — read, trained, scored and written without company features — and only
 * the account stages skip, naming the company scopes. The reverse: the contact sync itself needs
 * crm.objects.deals.read (conversion labels), so the reverse that exists is an install that may
 * read deals but not write them (no deals.write, no schemas.deals): the deal stage skips, its
 * read still mirrors the deals and companies, and the account stages run on them. Contacts are
 * scored and written either way.
 * The emulator answers 403 MISSING_SCOPES as HubSpot does (docs/hubspot-fidelity.md row 26).
 */
import { runToCompletion } from '../../src/pipeline';
import { accountSummaryOf } from '../../src/pipeline';
import { dealSummaryOf } from '../../src/pipeline/objects/run';
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
const CONTACTS = [
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'crm.objects.leads.read',
  'crm.objects.leads.write',
  'automation',
];
const DEALS = [
  'crm.objects.deals.read',
  'crm.objects.deals.write',
  'crm.schemas.deals.read',
  'crm.schemas.deals.write',
];
const COMPANIES = [
  'crm.objects.companies.read',
  'crm.objects.companies.write',
  'crm.schemas.companies.read',
  'crm.schemas.companies.write',
];

describe('deal and account stages skip on their own scopes', () => {
  let emu: Emulator;
  const open: AppDeps[] = [];

  beforeAll(async () => {
    emu = await startScopesPortal({
      'no-companies': [...CONTACTS, ...DEALS],
      'no-deal-writes': [...CONTACTS, 'crm.objects.deals.read', ...COMPANIES],
    });
  });
  afterAll(async () => {
    for (const d of open) await d.close();
    await emu?.close();
  });

  async function depsOf(token: string): Promise<AppDeps> {
    const deps = await depsFor(emu.url, tempDb(`scopes-${token}`), now, token);
    open.push(deps);
    await sqlsAsConversions(deps, now);
    return deps;
  }

  it('without the company scopes: deals scored and written, only the account stages skip', async () => {
    const deps = await depsOf('no-companies');
    const res = await runToCompletion(deps, { deals: true, stepBudgetMs: 5000 });
    expect(res.status).toBe('done');
    expect(Object.keys(await writesOf(emu.url, 'contacts')).length).toBeGreaterThan(0);

    const deals = dealSummaryOf(res.summary, 0)!;
    // The deal stage ran: no permission skip, deals read, a model trained and deals scored.
    expect(deals.skipped ?? '').not.toMatch(/missing CRM permission/);
    expect(deals.missingScopes).toEqual([]);
    expect(deals.deals).toBeGreaterThan(0);
    expect(deals.companies).toBe(0);
    expect(deals.trained).toBe(true);
    expect((await deps.store.listObjectModels('deal')).length).toBe(1);
    if (deals.verdict === 'OK') {
      expect(deals.scored).toBeGreaterThan(0);
      expect(Object.keys(await writesOf(emu.url, 'deals')).length).toBeGreaterThan(0);
    }

    const accounts = accountSummaryOf(res.summary)!;
    expect(accounts.skipped).toMatch(/^missing CRM permission for account scores: /);
    expect(accounts.skipped).toMatch(/Reinstall or re-authorise the LeadLens app/);
    expect(accounts.missingScopes.length).toBeGreaterThan(0);
    // Every scope HubSpot named is a company scope this install lacks.
    expect(accounts.missingScopes.every((s) => COMPANIES.includes(s))).toBe(true);
    expect(accounts.scored).toBe(0);
    expect(Object.keys(await writesOf(emu.url, 'companies'))).toEqual([]);
    expect(await deps.store.listObjectModels('company')).toEqual([]);
    const summary = res.summary as Record<string, Record<string, unknown>>;
    expect(summary['account-writeback']?.skipped).toBe(accounts.skipped);
  });

  it('with deals readable but not writable: deals skip, the account stages still run', async () => {
    // The contact sync itself reads deals (conversion labels), so crm.objects.deals.read is
    // granted; the deal properties are not (no deals.write, no schemas.deals).
    const deps = await depsOf('no-deal-writes');
    const res = await runToCompletion(deps, { deals: true, stepBudgetMs: 5000 });
    expect(res.status).toBe('done');
    const deals = dealSummaryOf(res.summary, 0)!;
    expect(deals.skipped).toMatch(/^missing CRM permission for deal scores: /);
    expect(deals.missingScopes.length).toBeGreaterThan(0);
    expect(deals.missingScopes.every((s) => DEALS.includes(s))).toBe(true);
    expect(deals.trained).toBe(false);
    expect(await deps.store.listObjectModels('deal')).toEqual([]);
    const summary = res.summary as Record<string, Record<string, unknown>>;
    expect(summary['deal-writeback']?.skipped).toBe(deals.skipped);
    // The deal read still filled the mirror, so the account stages ran on it.
    expect(deals.deals).toBeGreaterThan(0);
    expect(deals.companies).toBeGreaterThan(0);
    const accounts = accountSummaryOf(res.summary)!;
    expect(accounts.skipped ?? '').not.toMatch(/missing CRM permission/);
    expect(accounts.missingScopes).toEqual([]);
    // Contacts are untouched by the skip.
    expect(Number(summary.score?.scored ?? 0)).toBeGreaterThan(0);
  });
});
