import { AsyncLocalStorage } from 'node:async_hooks';
import { realpathSync } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Db, Params, Row } from './db.js';
import { SlipwayError } from '../errors/index.js';

// Handles opened on the same file in one process share one connection. better-sqlite3 is synchronous: with two
// connections, one holding a transaction across an await while the other waits on the busy timeout would block the
// event loop until "database is locked". One shared connection queues them instead.
const shared = new Map<string, { db: Db; refs: number; raw: Database.Database }>();

function canonical(path: string): string {
  const abs = resolve(path);
  try {
    return join(realpathSync(dirname(abs)), basename(abs));
  } catch {
    return abs;
  }
}

/** Opens the embedded SQLite database (WAL, foreign keys, a busy timeout so two processes wait instead of failing). */
export function openSqlite(path: string): Db {
  const key = path === ':memory:' ? `:memory:${Math.random()}` : canonical(path);
  let entry = shared.get(key);
  if (!entry || !entry.raw.open) {
    let raw: Database.Database;
    try {
      raw = new Database(path);
    } catch (e) {
      throw new SlipwayError('DB_FAILED', `cannot open database ${path}: ${(e as Error).message}`, { path }, { cause: e });
    }
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('busy_timeout = 10000');
    raw.pragma('foreign_keys = ON');
    entry = { db: sqliteDb(raw), refs: 0, raw };
    shared.set(key, entry);
  }
  entry.refs++;
  const e = entry;
  let closed = false;
  return {
    ...e.db,
    async close() {
      if (closed) return;
      closed = true;
      if (--e.refs === 0) {
        shared.delete(key);
        await e.db.close();
      }
    },
  };
}

/** Runs a statement, reporting driver errors (constraints, SQL errors) as DB_FAILED. */
function exec<T>(sql: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SlipwayError) throw e;
    throw new SlipwayError('DB_FAILED', `database error: ${(e as Error).message}`, { sql }, { cause: e });
  }
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
  // One connection serves every async caller, so a transaction must own it while it is open: other callers' statements
  // and transactions wait until it ends, while code running inside it (tracked with AsyncLocalStorage, so also when
  // it uses the outer handle) goes straight through and nested `tx` calls join it.
  const inTx = new AsyncLocalStorage<object>();
  let txChain: Promise<unknown> = Promise.resolve();
  // The open transaction's token; a caller belongs to it when its async context carries the same token.
  let current: object | null = null;
  const idle = async (): Promise<void> => {
    while (current && inTx.getStore() !== current) await txChain.catch(() => undefined);
  };
  const db: Db = {
    dialect: 'sqlite',
    async all<T = Row>(sql: string, params?: Params): Promise<T[]> {
      if (current) await idle();
      return exec(sql, () => prep(sql).all(...norm(params)) as T[]);
    },
    async get<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
      if (current) await idle();
      return exec(sql, () => prep(sql).get(...norm(params)) as T | undefined);
    },
    async run(sql: string, params?: Params): Promise<{ changes: number }> {
      if (current) await idle();
      const r = exec(sql, () => prep(sql).run(...norm(params)));
      return { changes: r.changes };
    },
    async runMany(sql: string, rows: readonly Params[]): Promise<void> {
      if (current) await idle();
      const st = prep(sql);
      const many = raw.transaction((rs: readonly Params[]) => {
        for (const r of rs) st.run(...norm(r));
      });
      exec(sql, () => {
        if (raw.inTransaction) for (const r of rows) st.run(...norm(r));
        else many(rows);
      });
    },
    async tx<T>(fn: (db: Db) => Promise<T>): Promise<T> {
      if (current && inTx.getStore() === current) return fn(db);
      const run = (): Promise<T> => {
        const token = {};
        return inTx.run(token, async () => {
          exec('BEGIN IMMEDIATE', () => raw.exec('BEGIN IMMEDIATE'));
          current = token;
          try {
            const out = await fn(db);
            raw.exec('COMMIT');
            return out;
          } catch (e) {
            if (raw.inTransaction) raw.exec('ROLLBACK');
            throw e;
          } finally {
            current = null;
          }
        });
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
