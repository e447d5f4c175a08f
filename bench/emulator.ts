/**
 * Emulator bench (not part of npm test): generate a large demo portal, then page through all
 * contacts with the real SDK (a handful of properties, rate limits off): pages of 100, then pages
 * of 50 with their history (HubSpot's limit with propertiesWithHistory).
 *   npm run bench:emulator -- [contacts=100000]
 */
import { Client } from '@hubspot/api-client';
import { startHubSpotEmulator } from '../emulator/hubspot';

async function main(): Promise<void> {
  const contacts = Number(process.argv[2] ?? 100_000);
  const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
  const t0 = Date.now();
  const emu = await startHubSpotEmulator({
    contacts,
    rateLimit: { tenSecondly: null, secondly: null, daily: null },
  });
  const genMs = Date.now() - t0;
  global.gc?.();
  const s = emu.portal.summary;
  console.log(
    `generated ${s.contacts} contacts, ${s.companies} companies, ${s.deals} deals, ${s.leads} leads, ` +
      `${s.historyVersions} history versions in ${(genMs / 1000).toFixed(1)} s; RSS ${mb(process.memoryUsage().rss)}, heap ${mb(process.memoryUsage().heapUsed)}`,
  );
  const client = new Client({ accessToken: 'local-dev-token', basePath: emu.url });
  const props = [
    'email',
    'lifecyclestage',
    'jobtitle',
    'hs_analytics_num_visits',
    'lastmodifieddate',
  ];
  for (const withHistory of [false, true]) {
    const t1 = Date.now();
    let n = 0;
    let after: string | undefined;
    do {
      const page = await client.crm.contacts.basicApi.getPage(
        withHistory ? 50 : 100,
        after,
        props,
        withHistory ? props : undefined,
      );
      n += page.results.length;
      after = page.paging?.next?.after;
    } while (after);
    const ms = Date.now() - t1;
    console.log(
      `paged ${n} contacts (limit ${withHistory ? 50 : 100}, ${props.length} properties${withHistory ? ' + their history' : ''}) in ${(ms / 1000).toFixed(1)} s ` +
        `(${Math.round(n / (ms / 1000))} contacts/s); RSS ${mb(process.memoryUsage().rss)}`,
    );
  }
  await emu.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
