/** `leadlens emulator`: the local HubSpot with the demo portal, until SIGINT/SIGTERM. */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { startHubSpotEmulator } from '../../../emulator/hubspot';
import { startSalesforceEmulator } from '../../../emulator/salesforce';

const int = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}.`);
  return n;
};

function rateLimit(v: string): number | null {
  if (v === 'off') return null;
  if (v === '100' || v === '190') return Number(v);
  throw new InvalidArgumentError('use 190 (Pro/Enterprise), 100 (Free/Starter) or off.');
}

export function register(program: Command): void {
  program
    .command('emulator')
    .description(
      'Run the local HubSpot API emulator with a seeded demo portal, or (--crm salesforce) the Salesforce one with a demo org (prints "listening on URL").',
    )
    .addOption(
      new Option('--crm <crm>', 'which CRM to emulate')
        .choices(['hubspot', 'salesforce'])
        .default('hubspot'),
    )
    .option('--port <port>', 'port on 127.0.0.1 (0 = a free port)', int('--port', 0), 4010)
    .option(
      '--token <token>',
      'bearer token granted every scope (default local-dev-token, the one hubspot.config.yml uses; Salesforce: the ready access token, default local-dev-sf-token)',
    )
    .option(
      '--daily-api-limit <n>',
      "Salesforce: the org's rolling 24-hour API allowance",
      int('--daily-api-limit', 1),
      100_000,
    )
    .option('--seed <seed>', 'demo generator seed (same seed → identical portal)', 'demo')
    .option(
      '--contacts <n>',
      'demo contacts (Salesforce: leads) to generate (0 = empty portal)',
      int('--contacts', 0),
      5000,
    )
    .option(
      '--now <iso>',
      'generator clock; contacts span the ~18 months before it',
      '2026-11-01T00:00:00.000Z',
    )
    .option(
      '--rate-limit <limit>',
      'requests per 10 s per app and portal: 190, 100 or off',
      rateLimit,
      190,
    )
    .option(
      '--client-secret <secret>',
      'client secret of the LeadLens app (signs the webhooks and workflow-action requests it sends)',
      'local-dev-client-secret',
    )
    .action(
      async (o: {
        crm: 'hubspot' | 'salesforce';
        dailyApiLimit: number;
        port: number;
        token?: string;
        seed: string;
        contacts: number;
        now: string;
        rateLimit: number | null;
        clientSecret: string;
      }) => {
        if (o.crm === 'salesforce') {
          const sf = await startSalesforceEmulator({
            port: o.port,
            seed: o.seed,
            leads: o.contacts,
            now: o.now,
            dailyApiLimit: o.dailyApiLimit,
            ...(o.token ? { accessToken: o.token } : {}),
          });
          process.stdout.write(`listening on ${sf.url}\n`);
          const stopSf = () => {
            sf.close().then(
              () => process.exit(0),
              () => process.exit(1),
            );
          };
          process.once('SIGINT', stopSf);
          process.once('SIGTERM', stopSf);
          return;
        }
        const emu = await startHubSpotEmulator({
          port: o.port,
          token: o.token ?? 'local-dev-token',
          seed: o.seed,
          contacts: o.contacts,
          now: o.now,
          clientSecret: o.clientSecret,
          rateLimit:
            o.rateLimit === null
              ? { tenSecondly: null, secondly: null, daily: null }
              : { tenSecondly: o.rateLimit },
        });
        process.stdout.write(`listening on ${emu.url}\n`);
        const stop = () => {
          emu.close().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      },
    );
}
