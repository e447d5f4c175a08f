/**
 * The pipeline under HubSpot's limits: the daily limit pauses a run cleanly with the time it
 * may resume (and a call before then spends no API call), and a 429/5xx storm is ridden out.
 */
import { startHubSpotEmulator } from '../../emulator/hubspot';
import { runToCompletion } from '../../src/pipeline';
import { allContacts, depsFor, emulatorJson, tempDb, TOKEN } from './helpers';

describe('pipeline under HubSpot limits', () => {
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
