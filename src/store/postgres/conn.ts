/**
 * A pg pool with transactions that follow the async context: inside `transaction(fn)`, every
 * query made from `fn`'s async context runs on the transaction's client (AsyncLocalStorage), so
 * code that calls the store from inside a step's commit joins it instead of taking a second
 * connection (which could exhaust the pool while the first waits on it).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Pool, PoolClient, QueryResultRow } from 'pg';

interface Frame {
  client: PoolClient;
  open: boolean;
  savepoints: number;
  /** Queries on one client run one after another (pg 9 will refuse overlapping ones). */
  queue: Promise<unknown>;
}

function onClient<T>(f: Frame, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const next = f.queue.then(() => fn(f.client));
  f.queue = next.catch(() => undefined);
  return next;
}

export class PgConn {
  private readonly als = new AsyncLocalStorage<Frame>();

  constructor(readonly pool: Pool) {}

  private frame(): Frame | null {
    const f = this.als.getStore();
    return f && f.open ? f : null;
  }

  async query<R extends QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    const f = this.frame();
    const res = f
      ? await onClient(f, (c) => c.query<R>(text, values))
      : await this.pool.query<R>(text, values);
    return res.rows;
  }

  async execute(text: string, values: unknown[] = []): Promise<number> {
    const f = this.frame();
    const res = f
      ? await onClient(f, (c) => c.query(text, values))
      : await this.pool.query(text, values);
    return res.rowCount ?? 0;
  }

  get inTransaction(): boolean {
    return this.frame() !== null;
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const f = this.frame();
    if (f) {
      const name = `sp${++f.savepoints}`;
      await onClient(f, (c) => c.query(`SAVEPOINT ${name}`));
      try {
        const out = await fn();
        await onClient(f, (c) => c.query(`RELEASE SAVEPOINT ${name}`));
        return out;
      } catch (e) {
        await onClient(f, (c) => c.query(`ROLLBACK TO SAVEPOINT ${name}`));
        throw e;
      }
    }
    const client = await this.pool.connect();
    const own: Frame = { client, open: true, savepoints: 0, queue: Promise.resolve() };
    let broken = false;
    try {
      await client.query('BEGIN');
      try {
        const out = await this.als.run(own, fn);
        await own.queue;
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await own.queue;
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw e;
      }
    } finally {
      own.open = false;
      // A client whose ROLLBACK failed is in an unknown state: destroy it, never reuse it.
      client.release(broken);
    }
  }
}
