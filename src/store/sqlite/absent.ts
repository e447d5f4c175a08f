/**
 * What build:hubspot puts in a HubSpot function bundle in place of the SQLite engine
 * (./engine.ts): a HubSpot function keeps no disk between calls and may not load native
 * modules, so its state lives in PostgreSQL. A function started without a postgres://
 * DATABASE_URL secret gets this error instead of a throw-away database.
 */
import { LeadLensError } from '../../contracts/errors';
import type { StoreEngine } from '../port';

export function openSqliteEngine(): StoreEngine {
  throw new LeadLensError(
    'CONFIG_INVALID',
    'HubSpot functions keep their state in PostgreSQL, and no DATABASE_URL secret is set.',
    {
      hint: 'Add the secret: hs secret add DATABASE_URL (postgres://user:password@host:5432/db), the same database the LeadLens server uses.',
    },
  );
}
