import type { Db } from './db.js';
import { openSqlite } from './sqlite-db.js';
import { migrate } from './migrate.js';

/** Opens the metadata database for a workspace (SQLite file, or PostgreSQL when a URL is given) and migrates it. */
export async function openDb(opts: { sqlitePath: string; databaseUrl?: string | undefined }): Promise<Db> {
  let db: Db;
  if (opts.databaseUrl) {
    const { openPostgres } = await import('./postgres-db.js');
    db = await openPostgres(opts.databaseUrl);
  } else {
    db = openSqlite(opts.sqlitePath);
  }
  await migrate(db);
  return db;
}
