/**
 * The hubspot.fetch replay guard lives in the store: two backend instances behind one load
 * balancer (same public URL, one PostgreSQL database) refuse a signed request the other one
 * already accepted — a replay gains nothing by reaching another instance — and the work it
 * asked for is done once.
 */
import type { Server } from 'node:http';
import { silentLogger } from '../../src/pipeline';
import { createServer } from '../../src/server/app';
import { adminCredential } from '../../src/server/auth';
import { composeDeps, type AppDeps } from '../../src/server/compose';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { hubspotHeaders, listenOn, request } from './http';

const SECRET = 'replay-shared-secret-7c1e';
const APP_ID = '4242';
const PORTAL = '3003';
const PUBLIC = 'https://leadlens.example.com';

describe('hubspot.fetch replay guard shared by every instance on the database', () => {
  let pg: TestDatabase;
  const instances: Array<{ deps: AppDeps; server: Server; base: string }> = [];

  beforeAll(async () => {
    pg = await createTestDatabase('replay');
    for (let i = 0; i < 2; i++) {
      const deps = await composeDeps({
        baseUrl: 'http://127.0.0.1:9',
        token: `token-${i}`,
        portalId: PORTAL,
        databaseUrl: pg.url,
        log: silentLogger,
      });
      const { app } = createServer(deps, {
        clientSecret: SECRET,
        admin: adminCredential('replay-admin-token-00000000000000000000', 'test'),
        appId: APP_ID,
        publicBaseUrl: PUBLIC,
      });
      instances.push({ deps, ...(await listenOn(app)) });
    }
  });
  afterAll(async () => {
    for (const i of instances) {
      await new Promise((r) => i.server.close(r));
      await i.deps.close();
    }
    await pg?.drop();
  });

  it('a request accepted by one instance is refused as a replay by the other (and by itself)', async () => {
    const q = `portalId=${PORTAL}&userId=77&userEmail=rep%40example.com&appId=${APP_ID}`;
    const path = `/hubspot/functions/feedback?${q}`;
    const body = JSON.stringify({ parameters: { objectId: '615', kind: 'too_high' } });
    // Signed over the public URL, as HubSpot signs it; the load balancer picks an instance.
    const headers = hubspotHeaders(SECRET, 'POST', `${PUBLIC}${path}`, body);
    const [one, two] = instances;

    const first = await request(one!.base, 'POST', path, { headers, body });
    expect(first.status).toBe(200);
    for (const target of [two!, one!]) {
      const replay = await request(target.base, 'POST', path, { headers, body });
      expect(replay.status).toBe(401);
      expect(JSON.parse(replay.body).error).toMatchObject({
        code: 'SIGNATURE_INVALID',
        reason: 'replayed',
      });
    }
    // A new signature for the same call is a new request, on either instance.
    const fresh = hubspotHeaders(SECRET, 'POST', `${PUBLIC}${path}`, body, Date.now() + 1000);
    expect((await request(two!.base, 'POST', path, { headers: fresh, body })).status).toBe(200);
    // The feedback was recorded once per accepted request, in the portal's one store.
    const rows = await one!.deps.store.listFeedback({ limit: 10 });
    expect(rows.map((r) => r.recordId)).toEqual(['615', '615']);
  });
});
