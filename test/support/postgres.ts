/**
 * A PostgreSQL database of its own for one test file: created with a unique name on the
 * machine's server (127.0.0.1:5432, trust auth, user postgres) and dropped afterwards, so
 * parallel jest workers and other engineers never share tables.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The maintenance database to connect to for CREATE/DROP DATABASE. */
export const ADMIN_URL =
  process.env.LEADLENS_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `leadlens_t_${label.replace(/[^a-z0-9]/gi, '').toLowerCase()}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const c = new Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        // FORCE ends sessions a killed child process may have left behind (PostgreSQL 13+).
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
