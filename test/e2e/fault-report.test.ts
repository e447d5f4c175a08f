/**
 * The self-hosted report lists the records the CRM refused (issue 12, item 5): a run against
 * an emulator that refuses a few records for good (207 item errors) ends `done`, and
 * `GET /report` (as the admin) shows each of them — record, the CRM's reason, since when, and
 * what to do — exactly the failures the store holds; anonymous callers get none of it.
 */
import type { Server } from 'node:http';
import { runToCompletion } from '../../src/pipeline';
import { writeFailureHint } from '../../src/pipeline/writeback-failures';
import type { AppDeps } from '../../src/server/compose';
import { esc } from '../../src/server/html';
import {
  allContacts,
  AS_ADMIN,
  depsFor,
  emulatorJson,
  listenLocal,
  startPortal,
  tempDb,
  type Emulator,
} from './helpers';

jest.setTimeout(5 * 60_000);

describe('the report lists write failures', () => {
  let emu: Emulator;
  let deps: AppDeps;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    emu = await startPortal(300, 'fault-report');
    deps = await depsFor(emu.url, tempDb('fault-report'), Date.now() + 3_600_000);
    ({ server, base } = await listenLocal(deps, { clientSecret: 'report-secret' }));
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await deps?.close();
    await emu?.close();
  });

  it('shows each refused record with its reason, since when and the hint', async () => {
    // Open contacts (prospects) are the ones scored and written: refuse a few of them.
    const open = (await allContacts(emu.url, ['lifecyclestage'])).filter(
      (c) => !['customer', 'evangelist'].includes(String(c.properties.lifecyclestage)),
    );
    const refused: Record<string, string> = {
      [open[3].id]: 'READ_ONLY_VALUE',
      [open[40].id]: 'INVALID_OPTION',
      [open[77].id]: 'OBJECT_NOT_FOUND',
    };
    await emulatorJson(emu.url, '/__emulator/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ itemErrors: refused }),
    });
    expect((await runToCompletion(deps, { retrain: 'auto' })).status).toBe('done');

    const { total, rows } = await deps.store.listWriteFailures({ limit: 50 });
    expect(total).toBeGreaterThan(0);
    expect(rows.every((f) => refused[f.id] === f.code && !f.retryable)).toBe(true);

    const res = await fetch(`${base}/report`, { headers: AS_ADMIN });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`Records the CRM refused (${total})`);
    for (const f of rows) {
      const row = new RegExp(
        `<tr><td>contact ${f.id}</td><td><b>${f.code}</b>[^<]*</td><td>${f.failedAt}</td><td>([^<]*)</td></tr>`,
      );
      const m = row.exec(html);
      expect({ id: f.id, listed: m !== null }).toEqual({ id: f.id, listed: true });
      expect(m![1]).toBe(esc(writeFailureHint(f.code, false)));
    }

    const anonymous = await fetch(`${base}/report`, { redirect: 'manual' });
    expect([303, 401]).toContain(anonymous.status);
    expect(await anonymous.text()).not.toContain('Records the CRM refused');
  });
});
