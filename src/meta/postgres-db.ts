import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import type { Db, Params, Row } from './db.js';
import { SlipwayError } from '../errors/index.js';

/** Rewrites `?` placeholders to PostgreSQL's `$n` (outside quoted strings). */
export function toPgPlaceholders(sql: string): string {
  let n = 0;
  let out = '';
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') out += `$${++n}`;
    else out += ch;
  }
  return out;
}

// BIGINT columns come back as strings from pg; times and sizes fit in a double, so parse them.
pg.types.setTypeParser(20, (v) => Number(v));

/** Opens a PostgreSQL-backed Db (a pool; transactions pin one client). */
export async function openPostgres(url: string): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  // An idle pooled connection whose backend goes away (server restart, failover, an administrator terminating it)
  // makes the pool emit 'error'; unhandled, that would crash the process. The pool drops that client and the next
  // query opens a fresh one, so there is nothing else to do here (pg's documented advice).
  pool.on('error', () => undefined);
  const wrap = async <T>(p: Promise<T>, sql: string): Promise<T> => {
    try {
      return await p;
    } catch (e) {
      throw new SlipwayError('DB_FAILED', `database error: ${(e as Error).message}`, { sql }, { cause: e });
    }
  };
  // Code running inside a transaction that uses the outer handle (not the one passed to its callback) must still
  // run on the transaction's client, or it would see uncommitted state differently and could deadlock against it.
  const txScope = new AsyncLocalStorage<Db>();
  const make = (q: pg.Pool | pg.PoolClient, inTx: boolean): Db => {
    const route = (): Db | undefined => (inTx ? undefined : txScope.getStore());
    const self: Db = {
      dialect: 'postgres',
      async all<T = Row>(sql: string, params?: Params): Promise<T[]> {
        const t = route();
        if (t) return t.all<T>(sql, params);
        const r = await wrap(q.query(toPgPlaceholders(sql), params as unknown[] | undefined), sql);
        return r.rows as T[];
      },
      async get<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
        const t = route();
        if (t) return t.get<T>(sql, params);
        const r = await wrap(q.query(toPgPlaceholders(sql), params as unknown[] | undefined), sql);
        return r.rows[0] as T | undefined;
      },
      async run(sql: string, params?: Params): Promise<{ changes: number }> {
        const t = route();
        if (t) return t.run(sql, params);
        const r = await wrap(q.query(toPgPlaceholders(sql), params as unknown[] | undefined), sql);
        return { changes: r.rowCount ?? 0 };
      },
      async runMany(sql: string, rows: readonly Params[]): Promise<void> {
        if (rows.length === 0) return;
        await self.tx(async (t) => {
          for (const r of rows) await t.run(sql, r);
        });
      },
      async tx<T>(fn: (db: Db) => Promise<T>): Promise<T> {
        if (inTx) return fn(self);
        const outer = route();
        if (outer) return fn(outer);
        const client = await (q as pg.Pool).connect();
        try {
          await client.query('BEGIN');
          const inner = make(client, true);
          const out = await txScope.run(inner, () => fn(inner));
          await client.query('COMMIT');
          return out;
        } catch (e) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw e;
        } finally {
          client.release();
        }
      },
      async close(): Promise<void> {
        if (!inTx) await (q as pg.Pool).end();
      },
    };
    return self;
  };
  return make(pool, false);
}
