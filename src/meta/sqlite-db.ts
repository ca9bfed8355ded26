import Database from 'better-sqlite3';
import type { Db, Params, Row } from './db.js';
import { SlipwayError } from '../errors/index.js';

/** Opens the embedded SQLite database (WAL, foreign keys, a busy timeout so two processes wait instead of failing). */
export function openSqlite(path: string): Db {
  const raw = new Database(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('busy_timeout = 10000');
  raw.pragma('foreign_keys = ON');
  return sqliteDb(raw);
}

function sqliteDb(raw: Database.Database): Db {
  const cache = new Map<string, Database.Statement>();
  const prep = (sql: string): Database.Statement => {
    let st = cache.get(sql);
    if (!st) {
      try {
        st = raw.prepare(sql);
      } catch (e) {
        throw new SlipwayError('DB_FAILED', `database error: ${(e as Error).message}`, { sql }, { cause: e });
      }
      if (cache.size > 500) cache.clear();
      cache.set(sql, st);
    }
    return st;
  };
  const norm = (params: Params | undefined): unknown[] => (params ?? []).map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v));
  // A transaction is held by one async caller at a time; others queue here (one connection, like a mutex).
  let txChain: Promise<unknown> = Promise.resolve();
  let depth = 0;
  const db: Db = {
    dialect: 'sqlite',
    async all<T = Row>(sql: string, params?: Params): Promise<T[]> {
      return prep(sql).all(...norm(params)) as T[];
    },
    async get<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
      return prep(sql).get(...norm(params)) as T | undefined;
    },
    async run(sql: string, params?: Params): Promise<{ changes: number }> {
      const r = prep(sql).run(...norm(params));
      return { changes: r.changes };
    },
    async runMany(sql: string, rows: readonly Params[]): Promise<void> {
      const st = prep(sql);
      const many = raw.transaction((rs: readonly Params[]) => {
        for (const r of rs) st.run(...norm(r));
      });
      if (raw.inTransaction) for (const r of rows) st.run(...norm(r));
      else many(rows);
    },
    async tx<T>(fn: (db: Db) => Promise<T>): Promise<T> {
      if (depth > 0) return fn(db);
      const run = async (): Promise<T> => {
        raw.exec('BEGIN IMMEDIATE');
        depth++;
        try {
          const out = await fn(db);
          raw.exec('COMMIT');
          return out;
        } catch (e) {
          if (raw.inTransaction) raw.exec('ROLLBACK');
          throw e;
        } finally {
          depth--;
        }
      };
      const p = txChain.then(run, run);
      txChain = p.catch(() => undefined);
      return p;
    },
    async close(): Promise<void> {
      raw.close();
    },
  };
  return db;
}
