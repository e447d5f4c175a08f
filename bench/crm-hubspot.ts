/**
 * Rate-limit bench: a full sync of N contacts with their property history and a write-back of
 * every one of them, through the real SDK against the emulator with HubSpot's limits on
 * (190 / 10 s per app, 5 searches / s, the history caps of 50). Reports the calls against the
 * minimum the limits allow (src/crm/hubspot/limits.ts), the share of the burst ceiling used
 * over the run, and the share of 429s.
 *   npm run bench:crm -- [contacts=20000]
 */
import { startHubSpotEmulator } from '../emulator/hubspot';
import { DEFAULT_SETTINGS } from '../src/contracts/settings';
import { createHubSpotCrm, minimumCalls } from '../src/crm/hubspot';

const HISTORY = ['lifecyclestage', 'hs_analytics_num_page_views', 'hs_analytics_num_visits'];
const CEILING = 190;

async function main() {
  const n = Number(process.argv[2] ?? 20000);
  const emu = await startHubSpotEmulator({
    port: 0,
    token: 'bench',
    seed: 'bench',
    contacts: n,
    rateLimit: { tenSecondly: CEILING, secondly: 5, daily: null },
  });
  const crm = createHubSpotCrm({ accessToken: 'bench', basePath: emu.url, portalKey: 'bench' });
  await crm.provision(DEFAULT_SETTINGS.tiers);
  // Let provisioning's calls leave the window, so the run starts with the whole budget.
  await new Promise((r) => setTimeout(r, 10_000));
  const statsAt = async () =>
    (
      (await (await fetch(`${emu.url}/__emulator/stats`)).json()) as {
        byPortal: Record<string, { tenSecondlyCharged: Record<string, number> }>;
      }
    ).byPortal['62515']?.tenSecondlyCharged[String(emu.defaultApp.appId)] ?? 0;
  const chargedBefore = await statsAt();
  const start = Date.now();
  const startCalls = crm.usage().calls;
  const startThrottled = crm.usage().throttled;

  await crm.describeContactProperties();
  let after: string | null = null;
  const ids: string[] = [];
  let withHistory = true;
  do {
    const page = await crm.listContacts({
      properties: ['email', 'lifecyclestage'],
      historyProperties: HISTORY,
      after,
    });
    withHistory &&= page.historyIncluded === true;
    ids.push(...page.items.map((r) => r.id));
    after = page.next;
  } while (after);
  if (!withHistory) await crm.readContactHistory(ids, HISTORY);
  let deals: string | null = null;
  let dealCount = 0;
  do {
    const page = await crm.listDeals({ after: deals });
    dealCount += page.items.length;
    deals = page.next;
  } while (deals);
  for (let i = 0; i < ids.length; i += 100) {
    await crm.updateRecords(
      'contact',
      ids
        .slice(i, i + 100)
        .map((id) => ({ id, properties: { leadlens_score: String(Number(id) % 100) } })),
    );
  }
  const secs = (Date.now() - start) / 1000;
  const u = crm.usage();
  const calls = u.calls - startCalls;
  const throttled = u.throttled - startThrottled;
  const charged = (await statsAt()) - chargedBefore;
  const minimum =
    minimumCalls({
      contacts: ids.length,
      deals: dealCount,
      leads: 0,
      contactsWritten: ids.length,
      leadsWritten: 0,
      historyOnListPages: true,
    }) - 1; // no lead pages in this bench
  console.log(
    JSON.stringify({
      contacts: ids.length,
      deals: dealCount,
      calls,
      minimumCalls: minimum,
      callsOverMinimum: calls - minimum,
      seconds: Math.round(secs * 10) / 10,
      chargedToBurst: charged,
      callsPer10s: Math.round((charged / secs) * 100) / 10,
      shareOfCeiling: Math.round((charged / secs / (CEILING / 10)) * 1000) / 1000,
      throttled,
      throttledShare: Math.round((throttled / calls) * 10000) / 10000,
      byKind: u.byKind,
    }),
  );
  await emu.close();
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
