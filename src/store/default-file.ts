/**
 * Where the SQLite state lives when no --db / DATABASE_URL says otherwise. Its own module so a
 * command can show the default in --help without loading the stores.
 */
import path from 'node:path';

export const DEFAULT_DB_FILE = path.join('.leadlens', 'leadlens.db');
