/**
 * GET /query and /queryAll (?q=SOQL) and GET /query/<locator>-<offset>: batches of at most
 * 2,000 (`Sforce-Query-Options: batchSize=N`, clamped to 200…2,000), `nextRecordsUrl` whose last
 * path segment is the locator jsforce's queryMore keeps, `COUNT()` as `totalSize` only. A
 * cursor is a snapshot of the matching ids taken when the query ran; it lives two days.
 */
import { randomBytes } from 'node:crypto';
import { type Express, type Request, type Response } from 'express';
import { SfError, sendJson } from '../errors';
import { type Org } from '../org';
import { prepare, shapeRow, SoqlError, type DataSource, type Prepared } from '../soql/eval';

const DAY = 86_400_000;

interface Cursor {
  prepared: Prepared;
  batchSize: number;
  createdAt: number;
}

export class Cursors {
  private map = new Map<string, Cursor>();
  clear(): void {
    this.map.clear();
  }
  open(c: Cursor): string {
    const id = `01g5g${randomBytes(6).toString('hex').toUpperCase()}`;
    this.map.set(id, c);
    return id;
  }
  get(id: string, now: number): Cursor | undefined {
    const c = this.map.get(id);
    if (c && now - c.createdAt > 2 * DAY) {
      this.map.delete(id);
      return undefined;
    }
    return c;
  }
  close(id: string): void {
    this.map.delete(id);
  }
}

function batchSizeOf(req: Request): number {
  const h = req.get('sforce-query-options') ?? '';
  const m = /batchSize\s*=\s*(\d+)/i.exec(h);
  if (!m) return 2000;
  return Math.min(2000, Math.max(200, Number(m[1])));
}

export function registerQuery(
  app: Express,
  org: Org,
  cursors: Cursors,
  dsFor: (req: Request) => DataSource,
  wrap: (h: (req: Request, res: Response) => void) => (req: Request, res: Response) => void,
): void {
  const page = (req: Request, res: Response, locator: string, c: Cursor, offset: number) => {
    const ds = dsFor(req);
    const ids = c.prepared.ids.slice(offset, offset + c.batchSize);
    const records = [];
    for (const id of ids) {
      const rec = org.get(c.prepared.object.name, id);
      if (rec) records.push(shapeRow(ds, c.prepared, rec));
    }
    const end = offset + ids.length;
    const done = end >= c.prepared.ids.length;
    if (done) cursors.close(locator);
    sendJson(res, 200, {
      totalSize: c.prepared.ids.length,
      done,
      ...(done
        ? {}
        : { nextRecordsUrl: `/services/data/v${ds.apiVersion}/query/${locator}-${end}` }),
      records,
    });
  };

  const run = (includeDeleted: boolean) =>
    wrap((req, res) => {
      const q = req.query.q;
      if (typeof q !== 'string' || q.trim() === '')
        throw new SfError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
      let prepared: Prepared;
      try {
        prepared = prepare(dsFor(req), q, { includeDeleted });
      } catch (e) {
        if (e instanceof SoqlError) throw new SfError(400, e.errorCode, e.message);
        throw e;
      }
      if (prepared.query.count) {
        sendJson(res, 200, { totalSize: prepared.ids.length, done: true, records: [] });
        return;
      }
      const c: Cursor = { prepared, batchSize: batchSizeOf(req), createdAt: org.now() };
      const locator = cursors.open(c);
      page(req, res, locator, c, 0);
    });
  app.get('/services/data/:version/query', run(false));
  app.get('/services/data/:version/queryAll', run(true));

  const more = wrap((req, res) => {
    const m = /^(01g[A-Za-z0-9]+)-(\d+)$/.exec(String(req.params.locator));
    const c = m ? cursors.get(m[1], org.now()) : undefined;
    if (!m || !c) throw new SfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    const offset = Number(m[2]);
    if (offset > c.prepared.ids.length)
      throw new SfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    page(req, res, m[1], c, offset);
  });
  app.get('/services/data/:version/query/:locator', more);
  app.get('/services/data/:version/queryAll/:locator', more);
}
