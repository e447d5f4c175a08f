/**
 * Reading through REST SOQL. One page of the port = one query batch (≤ 2,000 records), read with
 * jsforce's `query` (first batch only) and `queryMore` (the locator in `nextRecordsUrl`) — never
 * `autoFetch`, whose `maxFetch` (10,000 by default) truncates silently. The port's cursor holds the
 * locator and the last id read: a locator Salesforce no longer knows (INVALID_QUERY_LOCATOR, e.g.
 * after a pause longer than its two-day life) restarts the query after that id, which the
 * `ORDER BY Id` makes exact.
 */
import { type Connection } from 'jsforce';
import { LeadLensError } from '../../contracts/errors';
import type { Caller } from './caller';
import { errorCodeOf } from './errors';
import { addEvent, addTask, type Activity, type SfRecord } from './mapping';

export interface Batch {
  records: SfRecord[];
  next: string | null;
}

interface CursorState {
  /** nextRecordsUrl of the next batch. */
  u: string;
  /** Id of the last record handed out. */
  last: string;
}

export const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** `2026-01-01T00:00:00Z`: SOQL's unquoted date-time literal. */
export const soqlDateTime = (iso: string) => new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');

function parseCursor(c: string): CursorState {
  try {
    const v = JSON.parse(c) as CursorState;
    if (typeof v.u === 'string' && typeof v.last === 'string') return v;
  } catch {
    // fall through
  }
  throw new LeadLensError('CRM_VALIDATION', 'The Salesforce paging cursor is not valid.', {
    hint: 'Restart the sync (`leadlens run --restart`).',
  });
}

interface QueryResultLike {
  records: SfRecord[];
  done: boolean;
  nextRecordsUrl?: string;
}

/**
 * One batch of `SELECT … FROM obj WHERE … ORDER BY Id`. `build(afterId)` gives the SOQL with an
 * optional `Id > afterId` bound.
 */
export async function readBatch(
  conn: Connection,
  caller: Caller,
  kind: string,
  build: (afterId: string | null) => string,
  cursor: string | null,
): Promise<Batch> {
  let res: QueryResultLike;
  if (cursor === null) {
    res = await caller.call(
      kind,
      () => conn.query(build(null)) as unknown as Promise<QueryResultLike>,
    );
  } else {
    const c = parseCursor(cursor);
    res = await caller.call(kind, async () => {
      try {
        return (await conn.queryMore(c.u)) as unknown as QueryResultLike;
      } catch (e) {
        if (errorCodeOf(e) !== 'INVALID_QUERY_LOCATOR') throw e;
        return (await conn.query(build(c.last))) as unknown as QueryResultLike;
      }
    });
  }
  const last = res.records.length ? String(res.records[res.records.length - 1].Id) : null;
  const next =
    !res.done && res.nextRecordsUrl && last
      ? JSON.stringify({ u: res.nextRecordsUrl, last } satisfies CursorState)
      : null;
  return { records: res.records, next };
}

/** Every record of a query (each batch a counted call). */
export async function readAll(
  conn: Connection,
  caller: Caller,
  kind: string,
  soql: string,
): Promise<SfRecord[]> {
  const out: SfRecord[] = [];
  let res = await caller.call(kind, () => conn.query(soql) as unknown as Promise<QueryResultLike>);
  out.push(...res.records);
  while (!res.done && res.nextRecordsUrl) {
    const url = res.nextRecordsUrl;
    res = await caller.call(kind, () => conn.queryMore(url) as unknown as Promise<QueryResultLike>);
    out.push(...res.records);
  }
  return out;
}

/**
 * The filters that select the children of these leads: one id range when the leads are a
 * contiguous page of an `ORDER BY Id` read of every lead, else `IN` lists of ≤ 150 ids (a REST
 * query travels in the URL, which Salesforce caps at 16 KB).
 */
export function childFilters(field: string, ids: readonly string[], contiguous: boolean): string[] {
  if (ids.length === 0) return [];
  if (contiguous) {
    const sorted = [...ids].sort();
    return [`${field} >= ${quote(sorted[0])} AND ${field} <= ${quote(sorted[sorted.length - 1])}`];
  }
  const out: string[] = [];
  for (let i = 0; i < ids.length; i += 150)
    out.push(
      `${field} IN (${ids
        .slice(i, i + 150)
        .map(quote)
        .join(',')})`,
    );
  return out;
}

/**
 * The Tasks and Events of these Leads or Contacts (by WhoId), each added to `act(id)`: the same
 * reads serve the lead port and Contacts created on Accounts; `kinds` name the counted calls.
 */
export async function readWhoActivity(
  conn: Connection,
  caller: Caller,
  ids: readonly string[],
  contiguous: boolean,
  act: (id: string) => Activity,
  kinds: { tasks: string; events: string },
): Promise<void> {
  const wanted = new Set(ids);
  for (const f of childFilters('WhoId', ids, contiguous)) {
    for (const r of await readAll(
      conn,
      caller,
      kinds.tasks,
      `SELECT WhoId, TaskSubtype, CreatedDate FROM Task WHERE ${f}`,
    ))
      if (wanted.has(String(r.WhoId))) addTask(act(String(r.WhoId)), r);
    for (const r of await readAll(
      conn,
      caller,
      kinds.events,
      `SELECT WhoId, ActivityDateTime FROM Event WHERE ${f}`,
    ))
      if (wanted.has(String(r.WhoId))) addEvent(act(String(r.WhoId)), r);
  }
}
