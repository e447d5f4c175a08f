/**
 * Salesforce Contacts created directly on an Account (not converted from a Lead) get their own
 * LeadLens score (issue 16, item 5): through real jsforce against an emulated org with buying
 * committees, a run provisions the LeadLens fields on Contact (Tooling CustomField +
 * FieldPermissions; the emulator keeps them hidden until granted), scores every such Contact
 * with the published lead model and the one scorer (factors add up), writes them through the one
 * write-back path, leaves the Contacts converted from Leads alone, and writes nothing on a second
 * run. An integration user without Contact access gets the stage skipped with the reason and
 * the fix; the Leads are scored and written all the same. The extra API calls are printed.
 */
import '../support/salesforce';
import { Connection } from 'jsforce';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../emulator/salesforce';
import { parseFactors } from '../../src/contracts/factors';
import { SALESFORCE_FIELDS } from '../../src/contracts/properties';
import {
  runJobToEnd,
  runToCompletion,
  settingsAction,
  silentLogger,
  verifyWriteback,
} from '../../src/pipeline';
import { objectStageStatus } from '../../src/pipeline/objects/stage-skip';
import { renderReportPage } from '../../src/server/report-page';
import { memberScoresJob } from '../../src/pipeline/objects/member-scores';
import { scoringAsOf } from '../../src/pipeline/score';
import { scoreRecords } from '../../src/pipeline/score-records';
import { loadedModel } from '../../src/pipeline/scoring-model';
import { initialWritebackState, writebackJob } from '../../src/pipeline/writeback';
import { planRecordWrite } from '../../src/pipeline/writeback-plan';
import { composeDeps, type AppDeps } from '../../src/server/compose';
import { summarizeRun } from '../../src/cli/commands/pipeline';
import { memberLine } from '../../src/pipeline/objects/member-scores';
import { tempDb } from './helpers';

const NOW = Date.parse('2026-11-01T00:00:00.000Z');
const F = SALESFORCE_FIELDS;

async function start(
  name: string,
  denied: string[] = [],
  committees = true,
): Promise<{ emu: SalesforceEmulator; deps: AppDeps }> {
  const emu = await startSalesforceEmulator({
    // Without committees fewer Leads convert: 800 give the lead model enough outcomes.
    leads: committees ? 400 : 800,
    seed: 'accounts',
    committees,
    deniedObjects: denied,
  });
  try {
    const deps = await composeDeps({
      baseUrl: '',
      token: '',
      portalId: name,
      databaseUrl: null,
      dbFile: tempDb(name),
      log: silentLogger,
      now: () => NOW,
      salesforce: { instanceUrl: emu.url, accessToken: emu.accessToken },
    });
    return { emu, deps };
  } catch (e) {
    await emu.close();
    throw e;
  }
}

/** The Contacts no Lead was converted into: created on their Account directly. */
function directContacts(emu: SalesforceEmulator) {
  const converted = new Set(
    [...emu.org.table('Lead').values()].map((l) => String(l.ConvertedContactId)),
  );
  const all = [...emu.org.table('Contact').values()];
  return {
    direct: all.filter((c) => !converted.has(String(c.Id))),
    converted: all.filter((c) => converted.has(String(c.Id))),
  };
}

const contactWrites = (emu: SalesforceEmulator) => emu.writes.filter((w) => w.object === 'Contact');

/** CRM calls by kind between two usage snapshots. */
const delta = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(after)
      .map(([k, n]) => [k, n - (before[k] ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );

describe('Salesforce Contacts created on Accounts get their own LeadLens score', () => {
  let emu: SalesforceEmulator;
  let deps: AppDeps;
  let conn: Connection;
  beforeAll(async () => {
    ({ emu, deps } = await start('sf-contacts'));
    conn = new Connection({ instanceUrl: emu.url, accessToken: emu.accessToken, version: '62.0' });
  }, 60_000);
  afterAll(async () => {
    await deps?.close();
    await emu?.close();
  });

  it('refuses LeadLens fields on Contact until they are created and granted', async () => {
    const [c] = directContacts(emu).direct;
    expect(c).toBeDefined();
    const describe = async () =>
      (await conn.sobject('Contact').describe()).fields.map((f) => f.name);
    expect(await describe()).not.toContain(F.score);
    await expect(
      conn.sobject('Contact').update({ Id: String(c!.Id), [F.score]: 5 }),
    ).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
    // Created through the Tooling API but not yet granted (no FieldPermissions): still hidden.
    await conn.tooling.sobject('CustomField').create({
      FullName: 'Contact.LeadLens_Probe__c',
      Metadata: { label: 'LeadLens probe', type: 'Number', precision: 3, scale: 0 },
    });
    expect(await describe()).not.toContain('LeadLens_Probe__c');
    await expect(
      conn.query('SELECT Id, LeadLens_Probe__c FROM Contact LIMIT 1'),
    ).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
    await expect(
      conn.sobject('Contact').update({ Id: String(c!.Id), LeadLens_Probe__c: 5 }),
    ).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
  });

  it('scores every Contact made on an Account with the lead model, writes it with factors that add up, and leaves converted Contacts alone', async () => {
    const before = { ...deps.crm.usage().byKind };
    const res = await runToCompletion(deps, { deals: true, stepBudgetMs: 5000 });
    expect(res.status).toBe('done');
    const scores = res.summary['member-scores'] as Record<string, unknown>;
    const written = res.summary['member-writeback'] as Record<string, unknown>;
    const { direct, converted } = directContacts(emu);
    expect(direct.length).toBeGreaterThan(20);
    expect(scores.skipped).toBeUndefined();
    expect(scores.scored).toBe(direct.length);
    expect(written.written).toBe(direct.length);
    expect(written.failed).toBe(0);
    expect((await summarizeRun(deps, res)).accountContacts).toEqual({
      scored: direct.length,
      written: direct.length,
      unchanged: 0,
      failed: 0,
      skipped: null,
    });

    const published = (await deps.store.getPublishedModel())!;
    expect(scores.modelVersion).toBe(published.version);
    const lm = loadedModel(published);
    const tiers = (await deps.store.getSettings()).tiers.map((t) => t.value);
    for (const c of direct) {
      const rec = emu.org.get('Contact', String(c.Id))!;
      const score = rec[F.score] as number;
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(100);
      expect(tiers).toContain(rec[F.tier]);
      expect(rec[F.modelVersion]).toBe(String(published.version));
      const f = parseFactors(String(rec[F.factors]))!;
      expect(f).not.toBeNull();
      expect(f.score).toBe(score);
      expect(f.base + f.top.reduce((s, x) => s + x.points, 0) + f.otherPoints).toBe(score);
      expect(String(rec[F.reasons])).toBe(f.top.map((x) => x.reason).join('\n'));
      // The same scorer on the mirrored member as of the run's moment gives the same score.
      const member = (await deps.store.getRecord('account_contact', String(c.Id)))!;
      const [again] = scoreRecords(lm, [member], {
        objectType: 'account_contact',
        asOf: scoringAsOf(NOW),
        tiers: (await deps.store.getSettings()).tiers,
        scoredAt: new Date(NOW).toISOString(),
      });
      expect(again!.score).toBe(score);
    }
    // Reading the org back: every Contact (and Lead) holds what the store says.
    const verified = await verifyWriteback(deps);
    expect(verified).toMatchObject({ missing: 0, mismatchCount: 0, knownFailures: [] });
    expect(verified.checked).toBeGreaterThan(direct.length);
    // Contacts converted from a Lead: their Lead is the scored prospect; nothing written here.
    const convertedIds = new Set(converted.map((c) => String(c.Id)));
    expect(contactWrites(emu).filter((w) => convertedIds.has(w.id))).toEqual([]);
    expect(contactWrites(emu).length).toBe(direct.length);
    // Leads are scored and written as ever.
    expect(emu.writes.filter((w) => w.object === 'Lead').length).toBeGreaterThan(0);

    // Extra calls: provisioning Contact (describe, fields, grants) + reads back + Collections
    // PATCHes of ≤ 200; reading the Contacts is the account stage's (already counted there).
    const byKind = delta(deps.crm.usage().byKind, before);
    expect(byKind['contacts.update']).toBe(Math.ceil(direct.length / 200));
    const extra =
      Number(scores.calls) + (byKind['contacts.update'] ?? 0) + (byKind['contacts.read'] ?? 0);
    // What a Contact cannot say that a Lead can: the lead model's CRM fields no Contact has.
    const members = await Promise.all(
      direct.map((c) => deps.store.getRecord('account_contact', String(c.Id))),
    );
    const absent = lm.features
      .filter((f) => f.source === 'property')
      .filter((f) => members.every((m) => (m!.properties[f.name] ?? null) === null))
      .map((f) => f.name);
    // A Contact's country is its mailing address's (Lead Country ← Contact MailingCountry).
    for (const [i, c] of direct.entries()) {
      expect(c.MailingCountry).toEqual(expect.any(String));
      expect(members[i]!.properties.country).toBe(c.MailingCountry);
    }
    expect(absent).not.toContain('country');
    console.log(
      JSON.stringify({
        directContacts: direct.length,
        modelFields: lm.features.map((f) => f.name),
        missingOnEveryContact: absent,
        firstRun: {
          extraCalls: extra,
          provisioningCalls: scores.calls,
          writeCalls: byKind['contacts.update'],
          perThousandContacts: Number(((1000 * extra) / direct.length).toFixed(1)),
        },
      }),
    );
  }, 60_000);

  it('writes nothing to Contacts on a second run', async () => {
    const writes = contactWrites(emu).length;
    const before = { ...deps.crm.usage().byKind };
    const res = await runToCompletion(deps, { deals: true, stepBudgetMs: 5000, restart: true });
    expect(res.status).toBe('done');
    const scores = res.summary['member-scores'] as Record<string, unknown>;
    const written = res.summary['member-writeback'] as Record<string, unknown>;
    const { direct } = directContacts(emu);
    expect(scores.scored).toBe(direct.length);
    expect(written.written).toBe(0);
    expect(written.unchanged).toBe(direct.length);
    expect(contactWrites(emu).length).toBe(writes);
    const byKind = delta(deps.crm.usage().byKind, before);
    expect(byKind['contacts.update']).toBeUndefined();
    const extra = Number(scores.calls) + (byKind['contacts.read'] ?? 0);
    // Steady state: one Contact describe finds the fields granted; nothing else.
    expect(extra).toBe(1);
    console.log(
      JSON.stringify({
        directContacts: direct.length,
        secondRun: {
          extraCalls: extra,
          perThousandContacts: Number(((1000 * extra) / direct.length).toFixed(1)),
        },
      }),
    );
  }, 60_000);
  it('reads an interrupted batch of Contacts back instead of writing it twice', async () => {
    // New thresholds move members to other tiers: their Contacts need a write again.
    const settings = await deps.store.getSettings();
    const tiers = settings.tiers.map((t, i, all) => ({
      ...t,
      minScore: i === all.length - 1 ? 0 : 99 - i,
    }));
    await deps.store.saveSettings({ ...settings, tiers }, new Date(NOW).toISOString());
    expect((await runJobToEnd(deps, () => memberScoresJob())).status).toBe('done');
    const rows = await deps.store.listScores('account_contact', { afterId: null, limit: 1000 });
    const ledger = await deps.store.getWritten(
      'account_contact',
      rows.map((r) => r.id),
    );
    const due = rows
      .map((r) => ({
        id: r.id,
        properties: planRecordWrite(r, ledger.get(r.id), settings.scoreJumpPoints),
      }))
      .filter((u): u is { id: string; properties: Record<string, string> } => !!u.properties);
    expect(due.length).toBeGreaterThan(5);
    // The process died after Salesforce applied a batch and before the answer was recorded.
    const inflight = due.slice(0, 5);
    const applied = await deps.crm.members!.updateRecords(inflight);
    expect(applied.written).toHaveLength(5);
    const at = new Date(NOW).toISOString();
    await deps.store.saveJob({
      job: 'member-writeback',
      runId: 'interrupted',
      status: 'running',
      state: {
        ...initialWritebackState(),
        objectType: 'account_contact',
        inflight: { objectType: 'account_contact', updates: inflight },
      },
      startedAt: at,
      updatedAt: at,
    });
    const mark = contactWrites(emu).length;
    const before = { ...deps.crm.usage().byKind };
    const res = await runJobToEnd(deps, () =>
      writebackJob({ name: 'member-writeback', objectTypes: ['account_contact'] }),
    );
    expect(res.status).toBe('done');
    expect(res.summary.written).toBe(due.length);
    const byKind = delta(deps.crm.usage().byKind, before);
    expect(byKind['contacts.read']).toBe(1);
    const sent = contactWrites(emu).slice(mark);
    expect(sent).toHaveLength(due.length - inflight.length);
    const settled = new Set(inflight.map((u) => u.id));
    expect(sent.filter((w) => settled.has(w.id))).toEqual([]);
    for (const r of rows) expect(emu.org.get('Contact', r.id)![F.tier]).toBe(r.tier);
  }, 60_000);
  it('stops scoring a Contact that left its committee (deleted in Salesforce)', async () => {
    const [gone] = directContacts(emu).direct;
    const writesOf = () => contactWrites(emu).filter((w) => w.id === String(gone!.Id)).length;
    const before = writesOf();
    emu.org.table('Contact').delete(String(gone!.Id));
    const res = await runToCompletion(deps, { deals: true, stepBudgetMs: 5000, restart: true });
    expect(res.status).toBe('done');
    const scores = res.summary['member-scores'] as Record<string, unknown>;
    expect(scores.scored).toBe(directContacts(emu).direct.length);
    expect(scores.left).toBe(1);
    expect(writesOf()).toBe(before);
    // `leadlens verify` reports the deleted Contact (its stored score stays) and nothing else.
    const verified = await verifyWriteback(deps);
    expect(verified.missing).toBe(1);
    expect(new Set(verified.mismatches.map((m) => m.id))).toEqual(new Set([String(gone!.Id)]));
    expect(res.summary['member-writeback']).toMatchObject({ written: 0, failed: 0 });
  }, 60_000);
});

describe('Salesforce: an integration user without access to Contact', () => {
  let emu: SalesforceEmulator;
  let deps: AppDeps;
  beforeAll(async () => {
    ({ emu, deps } = await start('sf-contacts-denied', ['Contact']));
  }, 60_000);
  afterAll(async () => {
    await deps?.close();
    await emu?.close();
  });

  it('scores and writes the Leads and skips the Contact scores, naming Contact and the fix', async () => {
    const res = await runToCompletion(deps, { deals: true, stepBudgetMs: 5000 });
    expect(res.status).toBe('done');
    expect(emu.writes.filter((w) => w.object === 'Lead').length).toBeGreaterThan(0);
    const scores = res.summary['member-scores'] as Record<string, unknown>;
    expect(scores.skipped).toMatch(
      /^scores on Contacts created on Accounts need the Accounts and Contacts/,
    );
    expect(scores.skipped).toMatch(
      /cannot access Contact \(Salesforce answered (NOT_FOUND|INVALID_TYPE)\)/,
    );
    expect(scores.skipped).toMatch(/need Read and Edit on Contact \(object permissions/);
    expect(res.summary['member-writeback']).toMatchObject({ skipped: scores.skipped });
    expect(contactWrites(emu)).toEqual([]);
    // The CLI's line and --json carry the reason.
    const summary = (await summarizeRun(deps, res)).accountContacts!;
    expect(summary).toMatchObject({ scored: 0, written: 0, skipped: scores.skipped });
    expect(memberLine(summary)).toBe(`account contacts skipped: ${String(scores.skipped)}`);
    // The settings page's data and the report page carry it too, as a refused permission.
    const settings = await settingsAction(deps, { action: 'get' });
    const members = settings.objectStages?.find((s) => s.stage === 'members');
    expect(members).toMatchObject({ skipped: scores.skipped, permission: true });
    const html = renderReportPage({
      models: [],
      stats: [],
      feedback: [],
      drift: null,
      published: null,
      report: null,
      objectStages: await objectStageStatus(deps.store),
    } as never);
    expect(html).toContain('id="members-skipped"');
    expect(html).toContain('need Read and Edit on Contact (object permissions');
  }, 60_000);
});

describe('Salesforce: an org without Contacts created on Accounts', () => {
  let emu: SalesforceEmulator;
  let deps: AppDeps;
  beforeAll(async () => {
    ({ emu, deps } = await start('sf-contacts-none', [], false));
  }, 60_000);
  afterAll(async () => {
    await deps?.close();
    await emu?.close();
  });

  it('skips the stage saying so, without a call or a field on Contact', async () => {
    expect(directContacts(emu).direct).toEqual([]);
    const res = await runToCompletion(deps, { deals: true, stepBudgetMs: 5000 });
    expect(res.status).toBe('done');
    const scores = res.summary['member-scores'] as Record<string, unknown>;
    expect(scores).toMatchObject({
      skipped: 'no Contacts created directly on Accounts were read',
      scored: 0,
      calls: 0,
    });
    expect(emu.org.object('Contact')!.fields.some((f) => f.name === F.score)).toBe(false);
    expect(contactWrites(emu)).toEqual([]);
  }, 60_000);
});
