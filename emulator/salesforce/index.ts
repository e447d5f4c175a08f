/**
 * A local Salesforce org for the real jsforce 3.10.16: start it in code or via
 * `leadlens emulator --crm salesforce`. The instance URL is the bare origin
 * (`http://127.0.0.1:PORT`), as jsforce's bulk2 requires. See emulator/README.md and
 * docs/salesforce-fidelity.md for what each behaviour is based on.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { BulkJobs } from './bulk';
import { type AccountTruth } from './committees';
import { generateOrg, type LeadTruth } from './demo';
import { SfError, notFound, sendSfError, sessionInvalid } from './errors';
import { listen } from '../shared/listen';
import { FaultInjector, Stats } from './faults';
import { API_VERSION, Org } from './org';
import { registerBulk } from './routes/bulk';
import { ChangeEvents } from './streaming';
import { registerControl } from './routes/control';
import { registerOAuth } from './routes/oauth';
import { Cursors, registerQuery } from './routes/query';
import { registerSObjects } from './routes/sobjects';
import { type DataSource } from './soql/eval';
import { type WriteLog } from './writes';

export interface SalesforceEmulatorOptions {
  port?: number;
  host?: string;
  seed?: string;
  /** Demo leads; 0 = an empty org. Default 5000. */
  leads?: number;
  /** Generator clock (ISO). Default 2026-11-01T00:00:00.000Z. */
  now?: string;
  /** A ready access token (what an admin pastes). Default 'local-dev-sf-token'. */
  accessToken?: string;
  /** OAuth client (connected app) and a refresh token issued to it. */
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  /** Rolling 24-hour API allowance. Default 100,000 (Enterprise base). */
  dailyApiLimit?: number;
  /** Lifetime of access tokens issued by the token endpoint (0 = no expiry). Default 2 h. */
  accessTokenTtlMs?: number;
  /** How long the CometD endpoint holds a /meta/connect without events. Default 110 s. */
  cometdTimeoutMs?: number;
  /**
   * Buying committees in the demo org (emulator/salesforce/committees.ts): several Leads per
   * company, one Account per company, account Opportunities with contact roles, and Contacts
   * created directly on about a third of the Accounts (direct-contacts.ts). Default off.
   */
  committees?: boolean;
  /** Paid-source Leads convert on drivers of their own (segment models). Default off. */
  segmentDrivers?: boolean;
  /**
   * Objects the integration user has no object permission on (e.g. `['Opportunity']`): the
   * org holds them, the user's API calls do not see them (Org.deniedObjects). Default none.
   */
  deniedObjects?: string[];
}

export interface SalesforceEmulator {
  url: string;
  port: number;
  org: Org;
  accessToken: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  truth(id: string): LeadTruth | undefined;
  /** A committee Account's hidden truth (orgs made with `committees`). */
  accountTruth(id: string): AccountTruth | undefined;
  writes: WriteLog[];
  faults: FaultInjector;
  stats: Stats;
  changes: ChangeEvents;
  close(): Promise<void>;
}

const MIN_VERSION = 42;
const MAX_VERSION = 66;

export async function startSalesforceEmulator(
  opts: SalesforceEmulatorOptions = {},
): Promise<SalesforceEmulator> {
  const cfg = {
    seed: opts.seed ?? 'demo',
    leads: opts.leads ?? 5000,
    now: Date.parse(opts.now ?? '2026-11-01T00:00:00.000Z'),
    accessToken: opts.accessToken ?? 'local-dev-sf-token',
    clientId: opts.clientId ?? 'leadlens-connected-app',
    clientSecret: opts.clientSecret ?? 'local-dev-sf-secret',
    refreshToken: opts.refreshToken ?? 'local-dev-sf-refresh',
  };
  let org!: Org;
  let truth = new Map<string, LeadTruth>();
  let accountTruth = new Map<string, AccountTruth>();
  const changes = new ChangeEvents(() => org);
  changes.connectTimeoutMs = opts.cometdTimeoutMs ?? 110_000;
  const build = (seed: string, leads: number) => {
    org = new Org({
      dailyMax: opts.dailyApiLimit ?? 100_000,
      accessTtlMs: opts.accessTokenTtlMs ?? 7_200_000,
    });
    org.clients.push({ clientId: cfg.clientId, clientSecret: cfg.clientSecret });
    org.addToken(cfg.accessToken, 'access');
    org.addToken(cfg.refreshToken, 'refresh');
    // The org's clock starts at the generator's `now`.
    org.clockOffsetMs = cfg.now - Date.now();
    accountTruth = new Map();
    truth = generateOrg(org, {
      seed,
      leads,
      now: cfg.now,
      committees: opts.committees === true,
      segmentDrivers: opts.segmentDrivers === true,
      accountTruth,
    });
    for (const o of opts.deniedObjects ?? []) org.deniedObjects.add(o.toLowerCase());
    // Change events start with the org's life, not with its generated past.
    changes.clear();
    org.onChange = (object, id, type, changed, at) =>
      changes.record(object, id, type, changed, at, `com/salesforce/api/rest/${API_VERSION}`);
  };
  build(cfg.seed, cfg.leads);

  const stats = new Stats();
  const faults = new FaultInjector();
  faults.reset(cfg.seed);
  const writes: WriteLog[] = [];
  const cursors = new Cursors();
  const bulk = new BulkJobs(() => org, faults, writes);
  let instanceUrl = '';

  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) =>
    req.path.startsWith('/__emulator') ? next() : stats.middleware()(req, res, next),
  );
  // "In each REST call, the maximum length for the combined URI and headers is 16,384 bytes …
  // If the URI itself exceeds this limit, the request returns a 414" (help article 000386264).
  app.use((req, res, next) => {
    if (req.path.startsWith('/__emulator') || req.originalUrl.length <= 16_384) return next();
    res.status(414).type('text/html').send('<html><body>414 URI Too Long</body></html>');
  });
  registerControl(app, {
    org: () => org,
    faults,
    stats,
    writes,
    truth: (id) => truth.get(id),
    reset: () => {
      build(cfg.seed, cfg.leads);
      stats.reset();
      faults.reset(cfg.seed);
      writes.length = 0;
      cursors.clear();
      bulk.clear();
    },
    reseed: (seed, leads) => {
      cfg.seed = seed;
      cfg.leads = leads;
      build(seed, leads);
      stats.reset();
      faults.reset(seed);
      writes.length = 0;
      cursors.clear();
      bulk.clear();
    },
  });
  registerOAuth(
    app,
    orgProxy(() => org),
    () => instanceUrl,
  );
  // Streaming API (CometD) for change events; its own auth, outside the REST allowance.
  changes.register(app, (token) => org.validAccess(token));

  // Versions (no auth, no limit header: the one resource Sforce-Limit-Info is not sent on).
  app.get('/services/data', (_req, res) => {
    const out = [];
    for (let v = MIN_VERSION; v <= MAX_VERSION; v++)
      out.push({ label: `v${v}.0`, url: `/services/data/v${v}.0`, version: `${v}.0` });
    res.json(out);
  });

  // Every API call: faults → version → auth → daily allowance (counted) → handler.
  app.use(
    '/services/data/:version',
    faults.middleware(),
    (req: Request, res: Response, next: NextFunction) => {
      try {
        const m = /^v(\d+)\.0$/.exec(String(req.params.version));
        if (!m || Number(m[1]) < MIN_VERSION || Number(m[1]) > MAX_VERSION) throw notFound();
        res.locals.apiVersion = `${m[1]}.0`;
        const token = /^(?:Bearer|OAuth) (.+)$/.exec(req.get('authorization') ?? '')?.[1];
        if (!token || !org.validAccess(token)) throw sessionInvalid();
        const expireAfter = faults.faults.expireTokensAfter;
        if (expireAfter !== null) {
          if (expireAfter === 0) {
            faults.faults.expireTokensAfter = null;
            org.expireAccessTokens();
            throw sessionInvalid();
          }
          faults.faults.expireTokensAfter = expireAfter - 1;
        }
        const used = org.used();
        if (used >= org.dailyMax) {
          res.set('Sforce-Limit-Info', `api-usage=${used}/${org.dailyMax}`);
          throw new SfError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
        }
        org.countCall();
        res.set('Sforce-Limit-Info', `api-usage=${org.used()}/${org.dailyMax}`);
        next();
      } catch (e) {
        sendSfError(res, e);
      }
    },
  );
  const wrap = (h: (req: Request, res: Response) => void) => (req: Request, res: Response) => {
    try {
      h(req, res);
    } catch (e) {
      sendSfError(res, e);
    }
  };
  // Bulk API 2.0 ingest reads its own bodies (CSV uploads), so it comes before the JSON parser.
  registerBulk(app, bulk, wrap);
  app.use(express.json({ limit: '50mb', type: () => true }));

  const dsFor = (req: Request): DataSource => ({
    ...org.source(),
    apiVersion: String(req.res?.locals.apiVersion ?? API_VERSION),
  });
  registerQuery(
    app,
    orgProxy(() => org),
    cursors,
    dsFor,
    wrap,
  );
  registerSObjects(
    app,
    orgProxy(() => org),
    faults,
    writes,
    dsFor,
    wrap,
  );
  app.use((_req, res) => sendSfError(res, notFound()));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) =>
    sendSfError(res, err),
  );

  const http = await listen(app, {
    port: opts.port,
    host: opts.host,
    // Longer than a client's idle keep-alive (Node's agent: 5 s), so the server never closes a
    // socket a client is about to reuse — a PATCH sent into that race dies with ECONNRESET.
    keepAliveTimeoutMs: 65_000,
  });
  instanceUrl = http.url;
  return {
    url: instanceUrl,
    port: http.port,
    get org() {
      return org;
    },
    accessToken: cfg.accessToken,
    clientId: cfg.clientId,
    clientSecret: cfg.clientSecret,
    refreshToken: cfg.refreshToken,
    truth: (id) => truth.get(id),
    accountTruth: (id) => accountTruth.get(id),
    writes,
    faults,
    stats,
    changes,
    close: () => {
      bulk.clear();
      changes.clear();
      return http.close();
    },
  };
}

/** Routes hold the org through this, so /reset and /seed swap it underneath them. */
function orgProxy(get: () => Org): Org {
  return new Proxy({} as Org, {
    get: (_t, key) => {
      const o = get();
      const v = (o as unknown as Record<string | symbol, unknown>)[key];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(o) : v;
    },
    set: (_t, key, value) => {
      (get() as unknown as Record<string | symbol, unknown>)[key] = value;
      return true;
    },
  });
}

export { Org } from './org';
export type { LeadTruth } from './demo';
export type { AccountTruth } from './committees';
export { HORIZON_DAYS, SNAPSHOT_DAYS } from './demo';
export type { WriteLog } from './writes';
