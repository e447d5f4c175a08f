/**
 * The pipeline under HubSpot's limits: the daily limit pauses a run cleanly with the time it
 * may resume (and a call before then spends no API call), and a 429/5xx storm is ridden out.
 */
import { startHubSpotEmulator } from '../../emulator/hubspot';
import { minimumFor, summarizeRun } from '../../src/cli/commands/pipeline';
import { runToCompletion } from '../../src/pipeline';
import { allContacts, depsFor, emulatorJson, sdk, tempDb, TOKEN } from './helpers';

describe('pipeline under HubSpot limits', () => {
  it('runs end to end with every limit on (burst, search, daily, history caps) in the fewest calls', async () => {
    const emu = await startHubSpotEmulator({
      port: 0,
      token: TOKEN,
      seed: 'all-limits',
      contacts: 400,
      rateLimit: { tenSecondly: 40, secondly: 5, daily: 100_000 },
    });
    const deps = await depsFor(emu.url, tempDb('all-limits'), Date.now() + 3_600_000);
    try {
      const res = await runToCompletion(deps, { retrain: 'always' });
      expect(res.status).toBe('done');
      const summary = await summarizeRun(deps, res);
      expect(summary.throttled).toBe(0);
      // Full sync: contacts with their history on list pages of 50.
      const byKind = deps.crm.usage().byKind;
      expect(byKind['contacts.listWithHistory']).toBe(8);
      expect(byKind['contacts.list']).toBeUndefined();
      expect(byKind['contacts.batchRead']).toBeUndefined();
      // Every call is accounted for: the minimum (one property-metadata call included) plus
      // provisioning the leadlens group and properties.
      const provisioning =
        Object.entries(byKind)
          .filter(([k]) => k.startsWith('properties.') || k.startsWith('groups.'))
          .reduce((n, [, v]) => n + v, 0) - 1;
      expect(summary.minimumApiCalls).not.toBeNull();
      expect(summary.apiCalls).toBe(summary.minimumApiCalls! + provisioning);
      const contacts = await allContacts(emu.url, ['leadlens_score', 'lifecyclestage']);
      const open = contacts.filter((c) => c.properties.lifecyclestage !== 'customer');
      expect(open.every((c) => c.properties.leadlens_score !== null)).toBe(true);

      // An incremental run: search (its own per-second limit, no burst budget), history by
      // batches of 50, association batches (exempt).
      const changed = open.slice(0, 60).map((c) => c.id);
      await sdk(emu.url).crm.contacts.batchApi.update({
        inputs: changed.map((id) => ({ id, properties: { jobtitle: 'Chief Revenue Officer' } })),
      });
      const before = { ...deps.crm.usage().byKind };
      const again = await runToCompletion(deps, { retrain: 'never' });
      expect(again.status).toBe('done');
      const after = deps.crm.usage().byKind;
      const delta = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
      expect(delta('contacts.search')).toBeGreaterThanOrEqual(1);
      expect(delta('contacts.batchRead')).toBeGreaterThanOrEqual(2);
      expect(deps.crm.usage().throttled).toBe(0);
      expect(await minimumFor(deps, again.summary as never)).toBeNull();
    } finally {
      await deps.close();
      await emu.close();
    }
  });

  it('pauses on the daily limit with a resume time, and does not call the CRM again before it', async () => {
    const emu = await startHubSpotEmulator({
      port: 0,
      token: TOKEN,
      seed: 'daily',
      contacts: 600,
      rateLimit: { tenSecondly: null, secondly: null, daily: 12 },
    });
    const deps = await depsFor(emu.url, tempDb('daily'), Date.now() + 3_600_000);
    try {
      const res = await runToCompletion(deps, {});
      expect(res.status).toBe('paused');
      expect(Date.parse(res.resumeAt!)).toBeGreaterThan(Date.now());
      expect((await deps.store.getJob('run'))?.status).toBe('paused');
      const callsBefore = deps.crm.usage().calls;
      const again = await runToCompletion(deps, {});
      expect(again.status).toBe('paused');
      expect(deps.crm.usage().calls).toBe(callsBefore);
    } finally {
      await deps.close();
      await emu.close();
    }
  });

  it('rides out a storm of 429s and 5xx answers and ends like a calm run', async () => {
    const emu = await startHubSpotEmulator({
      port: 0,
      token: TOKEN,
      seed: 'storm',
      contacts: 500,
      rateLimit: { tenSecondly: null, secondly: null, daily: null },
    });
    const deps = await depsFor(emu.url, tempDb('storm'), Date.now() + 3_600_000);
    try {
      await emulatorJson(emu.url, '/__emulator/faults', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rate429: 0.15, rate5xx: 0.1 }),
      });
      const res = await runToCompletion(deps, { retrain: 'always' });
      expect(res.status).toBe('done');
      expect(deps.crm.usage().throttled).toBeGreaterThan(0);
      // Calm again before the test reads the CRM itself (its SDK client does not retry).
      await emulatorJson(emu.url, '/__emulator/faults', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rate429: 0, rate5xx: 0 }),
      });
      const contacts = await allContacts(emu.url, ['leadlens_score', 'lifecyclestage']);
      const open = contacts.filter((c) => c.properties.lifecyclestage !== 'customer');
      expect(open.every((c) => c.properties.leadlens_score !== null)).toBe(true);
    } finally {
      await deps.close();
      await emu.close();
    }
  });
});
