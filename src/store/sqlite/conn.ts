/**
 * One better-sqlite3 connection shared by async callers. better-sqlite3 is synchronous, so a
 * single statement never interleaves with another; a transaction whose body awaits, though,
 * stays open across turns of the event loop, and anything run on the connection meanwhile
 * would land inside it. So: while a transaction is open, calls from its own async context
 * (AsyncLocalStorage) run inside it, and every other call waits until it ends.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';

interface Frame {
  open: boolean;
  savepoints: number;
}

export class SqliteConn {
  private readonly als = new AsyncLocalStorage<Frame>();
  private busy = false;
  private waiters: Array<() => void> = [];

  constructor(readonly db: Database.Database) {}

  private inOwnTransaction(): Frame | null {
    const f = this.als.getStore();
    return f && f.open ? f : null;
  }

  private async acquire(): Promise<void> {
    while (this.busy) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.busy = true;
  }

  private release(): void {
    this.busy = false;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }

  /** Runs one synchronous piece of work, inside the caller's transaction or after any other. */
  async run<T>(fn: () => T): Promise<T> {
    if (this.inOwnTransaction() || !this.busy) return fn();
    await this.acquire();
    try {
      return fn();
    } finally {
      this.release();
    }
  }

  /** BEGIN IMMEDIATE (takes the write lock up front, so a later write cannot deadlock). */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const frame = this.inOwnTransaction();
    if (frame) {
      const name = `sp${++frame.savepoints}`;
      this.db.exec(`SAVEPOINT ${name}`);
      try {
        const out = await fn();
        this.db.exec(`RELEASE ${name}`);
        return out;
      } catch (e) {
        this.db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
        throw e;
      }
    }
    await this.acquire();
    const own: Frame = { open: true, savepoints: 0 };
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const out = await this.als.run(own, fn);
        this.db.exec('COMMIT');
        return out;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
    } finally {
      own.open = false;
      this.release();
    }
  }
}
