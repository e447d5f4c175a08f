/**
 * `leadlens score` on the CRM (not --csv), through the command line in-process: it prints what
 * `leadlens run` prints for its score stage — how many were scored, the tiers, how many were
 * written — not the chain's last progress line ("spikes: spikes: 0 task(s) for owners"). And the
 * one-step commands (status, provision, sync, writeback, models list, segments) print short text
 * for people by default and their JSON under --json, as their help says.
 */
import { cliInProcess } from '../support/cli-output';
import { provisionJob, runJobToEnd, syncJob, trainJob } from '../../src/pipeline';
import { depsFor, PORTAL, startPortal, tempDb, TOKEN, writesOf, type Emulator } from './helpers';

const now = Date.now() + 3_600_000;

const cli = cliInProcess;

describe('leadlens score (CRM)', () => {
  let emu: Emulator;
  const db = tempDb('score-cli');
  const env = { ...process.env };

  beforeAll(async () => {
    emu = await startPortal(400);
    const deps = await depsFor(emu.url, db, now);
    expect((await runJobToEnd(deps, () => provisionJob())).status).toBe('done');
    expect((await runJobToEnd(deps, () => syncJob())).status).toBe('done');
    expect((await runJobToEnd(deps, () => trainJob())).status).toBe('done');
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

  it('says how many it scored, their tiers and how many it wrote', async () => {
    const out = await cli(['score', '--base-url', emu.url, '--db', db]);
    expect(out).not.toMatch(/spikes: spikes/);
    const field = (name: string) => new RegExp(`^${name} +(.+)$`, 'm').exec(out)?.[1];
    expect(field('status')).toBe('done');
    const scored = /^(\d+) \((\d+) contacts, (\d+) leads\)$/.exec(field('scored') ?? '');
    expect(scored).not.toBeNull();
    const [total, contacts, leads] = scored!.slice(1).map(Number) as [number, number, number];
    expect(contacts).toBeGreaterThan(0);
    expect(total).toBe(contacts + leads);
    // One count per tier, summing to the open contacts scored.
    const tiers = [...(field('tiers') ?? '').matchAll(/(\w+) (\d+)/g)];
    expect(tiers.map((t) => t[1])).toEqual(['Hot', 'Warm', 'Cool', 'Cold']);
    expect(tiers.reduce((a, t) => a + Number(t[2]), 0)).toBe(contacts);
    // Everything scored was new to the CRM: all of it was written, and the emulator saw it.
    const written = Number(field('written'));
    expect(written).toBe(total);
    const contactWrites = Object.keys(await writesOf(emu.url, 'contacts')).length;
    expect(contactWrites).toBe(contacts);
    // A second score writes nothing new and says so.
    const again = await cli(['score', '--base-url', emu.url, '--db', db]);
    expect(/^written +(\d+)$/m.exec(again)?.[1]).toBe('0');
  });

  it('one-step commands print text by default and JSON under --json', async () => {
    const at = ['--base-url', emu.url, '--db', db];
    const provision = await cli(['provision', ...at]);
    expect(provision).toMatch(/^provisioned +the leadlens property group .*\(\d+ API calls\)$/m);
    expect(JSON.parse(await cli(['provision', '--json', ...at]))).toMatchObject({
      provisioned: true,
    });

    const sync = await cli(['sync', ...at]);
    expect(sync).toMatch(/^status +done$/m);
    expect(sync).toMatch(
      /^synced +\d+ contacts \(changed since the last sync\), \d+ deals, \d+ leads$/m,
    );
    expect(JSON.parse(await cli(['sync', '--json', ...at]))).toMatchObject({
      status: 'done',
      incremental: true,
    });

    const writeback = await cli(['writeback', ...at]);
    expect(writeback).toMatch(/^written +0 \(\d+ unchanged, not sent\)$/m);
    expect(JSON.parse(await cli(['writeback', '--json', ...at]))).toMatchObject({ written: 0 });

    const status = await cli(['status', ...at]);
    expect(status).toMatch(new RegExp(`^portal +${PORTAL}$`, 'm'));
    expect(status).toMatch(/^model +v1 \w+, trained .*, AUC 0\.\d{3}$/m);
    expect(status).toMatch(/^ {2}score +done /m);
    expect(status).toMatch(/^not written +0$/m);
    const json = JSON.parse(await cli(['status', '--json', ...at])) as {
      model: { version: number };
      jobs: Array<{ job: string; status: string }>;
    };
    expect(json.model.version).toBe(1);
    expect(json.jobs.find((j) => j.job === 'score')?.status).toBe('done');

    expect(await cli(['models', 'list', ...at])).toMatch(
      /^v1 +\w+ +published +trained \S+ +AUC 0\.\d{3}$/m,
    );
    expect(JSON.parse(await cli(['models', 'list', '--json', ...at]))).toEqual([
      expect.objectContaining({ version: 1, status: 'published' }),
    ]);

    const segments = await cli(['segments', 'list', ...at]);
    expect(segments).toMatch(/^rules +a segment gets a model of its own from 40 converted/m);
    expect(segments).toMatch(/^segments +none/m);
    expect(JSON.parse(await cli(['segments', 'list', '--json', ...at]))).toMatchObject({
      list: [],
      minPositives: 40,
    });
    const added = await cli([
      'segments',
      'add',
      'paid',
      '--property',
      'hs_analytics_source',
      '--values',
      'PAID_SEARCH,PAID_SOCIAL',
      ...at,
    ]);
    expect(added).toMatch(/^ {2}paid: hs_analytics_source in PAID_SEARCH, PAID_SOCIAL$/m);
    expect(added).toMatch(/^saved +\d+ stored score\(s\) moved to another tier$/m);
  });
});
