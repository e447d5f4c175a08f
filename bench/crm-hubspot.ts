/**
 * Rate-limit bench: sync N contacts (list pages + history batches) and write back every one
 * of them (batches of 100) through the real SDK against the emulator with HubSpot's
 * 190 / 10 s limit on. Reports the share of the ceiling used and the share of 429s.
 *   npx tsx bench/crm-hubspot.ts [contacts=20000]
 */
import { startHubSpotEmulator } from '../emulator/hubspot';
import { DEFAULT_SETTINGS } from '../src/contracts/settings';
import { createHubSpotCrm } from '../src/crm';

async function main() {
  const n = Number(process.argv[2] ?? 20000);
  const emu = await startHubSpotEmulator({
    port: 0,
    token: 'bench',
    seed: 'bench',
    contacts: n,
    rateLimit: { tenSecondly: 190, secondly: 5, daily: null },
  });
  const crm = createHubSpotCrm({ accessToken: 'bench', basePath: emu.url });
  await crm.provision(DEFAULT_SETTINGS.tiers);
  const start = Date.now();
  const startCalls = crm.usage().calls;
  let after: string | null = null;
  const ids: string[] = [];
  do {
    const page = await crm.listContacts({ properties: ['email', 'lifecyclestage'], after });
    ids.push(...page.items.map((r) => r.id));
    after = page.next;
  } while (after);
  for (let i = 0; i < ids.length; i += 100) {
    await crm.readContactHistory(ids.slice(i, i + 100), [
      'lifecyclestage',
      'hs_analytics_num_page_views',
    ]);
  }
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
  const perTen = (calls / secs) * 10;
  console.log(
    JSON.stringify({
      contacts: ids.length,
      calls,
      seconds: Math.round(secs * 10) / 10,
      callsPer10s: Math.round(perTen * 10) / 10,
      shareOfCeiling: Math.round((perTen / 190) * 1000) / 1000,
      throttled: u.throttled,
      throttledShare: Math.round((u.throttled / calls) * 10000) / 10000,
      byKind: u.byKind,
    }),
  );
  await emu.close();
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
