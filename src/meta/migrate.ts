import type { Db } from './db.js';
import { migrations as all, type Migration } from './migrations.js';
import { SlipwayError } from '../errors/index.js';

/** Applies every migration not yet applied, each in its own transaction; safe to call on every open. */
export async function migrate(db: Db, list: readonly Migration[] = all): Promise<number[]> {
  // Two processes may migrate the same PostgreSQL database at once: an advisory lock makes them take turns (SQLite's
  // BEGIN IMMEDIATE already does). CREATE TABLE IF NOT EXISTS alone is not race-free on PostgreSQL.
  const lock = async (t: Db): Promise<void> => {
    if (t.dialect === 'postgres') await t.get('SELECT pg_advisory_xact_lock(5318008)');
  };
  await db.tx(async (t) => {
    await lock(t);
    await t.run(`CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
  });
  const done = new Set((await db.all<{ id: number }>(`SELECT id FROM schema_migrations`)).map((r) => Number(r.id)));
  const applied: number[] = [];
  for (const m of list) {
    if (done.has(m.id)) continue;
    try {
      await db.tx(async (t) => {
        await lock(t);
        // Another process may have applied it between our read and our lock.
        if (await t.get(`SELECT id FROM schema_migrations WHERE id = ?`, [m.id])) return;
        for (const sql of m.up) await t.run(sql);
        await t.run(`INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)`, [m.id, m.name, Date.now()]);
        applied.push(m.id);
      });
    } catch (e) {
      throw new SlipwayError(
        'DB_MIGRATION_FAILED',
        `migration ${m.id} (${m.name}) failed: ${(e as Error).message}`,
        { id: m.id },
        { cause: e },
      );
    }
  }
  return applied;
}
