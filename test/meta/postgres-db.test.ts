// PostgreSQL-only behaviour beyond the shared Db contract. Runs when SLIPWAY_TEST_DATABASE_URL is set (CI starts a
// server with ../shared/services/pg-up.sh); skips with one line otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openDb } from '../../src/meta/index.js';
import { TEST_DATABASE_URL, freshPostgresDatabase } from '../contract/fresh-postgres.js';

const skip = TEST_DATABASE_URL ? false : 'set SLIPWAY_TEST_DATABASE_URL to a PostgreSQL server to run this';

test('an idle pooled connection terminated by the server neither crashes the process nor breaks the next query', { skip }, async () => {
  const fresh = await freshPostgresDatabase(TEST_DATABASE_URL!);
  const db = await openDb({ sqlitePath: '/nonexistent', databaseUrl: fresh.url });
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown): void => void uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  try {
    assert.equal(Number((await db.get<{ one: number }>('SELECT 1 AS one'))!.one), 1);
    // An administrator ends every session of this database while the pool holds them idle.
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      const dbName = new URL(fresh.url).pathname.slice(1);
      const r = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
        dbName,
      ]);
      assert.ok(r.rowCount! >= 1, 'no idle session to terminate');
    } finally {
      await admin.end();
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(uncaught, []);
    assert.equal(Number((await db.get<{ one: number }>('SELECT 1 AS one'))!.one), 1);
  } finally {
    process.off('uncaughtException', onUncaught);
    await db.close();
    await fresh.drop();
  }
});
