import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDb, migrate, migrations, type Db } from '../../src/meta/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { tempDir } from '../helpers/temp-workspace.js';
import { TEST_DATABASE_URL, freshPostgresDatabase } from './fresh-postgres.js';

interface Target {
  open(): Promise<Db>;
  dispose(): Promise<void>;
}

async function sqliteTarget(): Promise<Target> {
  const t = tempDir();
  const path = join(t.dir, 'meta.db');
  return { open: () => openDb({ sqlitePath: path }), dispose: async () => t.cleanup() };
}

async function postgresTarget(): Promise<Target> {
  const fresh = await freshPostgresDatabase(TEST_DATABASE_URL!);
  return { open: () => openDb({ sqlitePath: '/nonexistent', databaseUrl: fresh.url }), dispose: () => fresh.drop() };
}

const targets: [string, () => Promise<Target>][] = [['sqlite', sqliteTarget]];
if (TEST_DATABASE_URL) targets.push(['postgres', postgresTarget]);

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 1));

for (const [name, make] of targets) {
  describe(`Db contract (${name})`, () => {
    let target: Target;
    let db: Db;
    before(async () => {
      target = await make();
      db = await target.open();
      await db.run('CREATE TABLE kv (k TEXT PRIMARY KEY, n BIGINT NOT NULL, x DOUBLE PRECISION, s TEXT)');
    });
    after(async () => {
      await db.close();
      await target.dispose();
    });

    test('all / get / run with ? placeholders; BIGINT and DOUBLE come back as numbers', async () => {
      assert.equal(db.dialect, name);
      const r = await db.run('INSERT INTO kv (k, n, x, s) VALUES (?, ?, ?, ?)', ['a', 1_700_000_000_000, 0.25, "it's ?"]);
      assert.equal(r.changes, 1);
      await db.run('INSERT INTO kv (k, n, x, s) VALUES (?, ?, ?, ?)', ['b', 2, null, null]);
      const row = await db.get<{ n: number; x: number; s: string }>("SELECT n, x, s FROM kv WHERE k = ? AND s LIKE '%?'", ['a']);
      assert.deepEqual(row, { n: 1_700_000_000_000, x: 0.25, s: "it's ?" });
      assert.equal(await db.get('SELECT * FROM kv WHERE k = ?', ['zzz']), undefined);
      const rows = await db.all<{ k: string }>('SELECT k FROM kv ORDER BY k');
      assert.deepEqual(
        rows.map((x) => x.k),
        ['a', 'b'],
      );
      assert.equal((await db.run('UPDATE kv SET n = n + 1 WHERE k IN (?, ?)', ['a', 'b'])).changes, 2);
      await assert.rejects(db.run('INSERT INTO kv (k, n) VALUES (?, ?)', ['a', 1]), (e) => isSlipwayError(e, 'DB_FAILED'));
      await assert.rejects(db.all('SELEKT nonsense'), (e) => isSlipwayError(e, 'DB_FAILED'));
    });

    test('runMany inserts many rows through one statement', async () => {
      const rows = Array.from({ length: 1000 }, (_, i) => [`m${i}`, i]);
      await db.runMany('INSERT INTO kv (k, n) VALUES (?, ?)', rows);
      const c = await db.get<{ c: number }>("SELECT COUNT(*) AS c FROM kv WHERE k LIKE 'm%'");
      assert.equal(Number(c!.c), 1000);
      await db.runMany('INSERT INTO kv (k, n) VALUES (?, ?)', []);
      // A failing row rolls back the whole batch.
      await assert.rejects(
        db.runMany('INSERT INTO kv (k, n) VALUES (?, ?)', [
          ['new1', 1],
          ['m5', 1],
        ]),
      );
      assert.equal(await db.get('SELECT k FROM kv WHERE k = ?', ['new1']), undefined);
    });

    test('tx commits, and rolls back on a throw', async () => {
      const out = await db.tx(async (t) => {
        await t.run('INSERT INTO kv (k, n) VALUES (?, ?)', ['tx1', 1]);
        return 42;
      });
      assert.equal(out, 42);
      await assert.rejects(
        db.tx(async (t) => {
          await t.run('INSERT INTO kv (k, n) VALUES (?, ?)', ['tx2', 1]);
          await tick();
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.ok(await db.get('SELECT k FROM kv WHERE k = ?', ['tx1']));
      assert.equal(await db.get('SELECT k FROM kv WHERE k = ?', ['tx2']), undefined);
    });

    test('nested tx joins the outer one (through the inner or the outer handle)', async () => {
      await assert.rejects(
        db.tx(async (t) => {
          await t.tx(async (t2) => t2.run('INSERT INTO kv (k, n) VALUES (?, ?)', ['n1', 1]));
          await db.tx(async (t3) => t3.run('INSERT INTO kv (k, n) VALUES (?, ?)', ['n2', 1]));
          await db.run('INSERT INTO kv (k, n) VALUES (?, ?)', ['n3', 1]);
          assert.equal((await db.all("SELECT k FROM kv WHERE k LIKE 'n_'")).length, 3);
          throw new Error('outer fails');
        }),
        /outer fails/,
      );
      assert.deepEqual(await db.all("SELECT k FROM kv WHERE k LIKE 'n_'"), []);
      await db.tx(async (t) => {
        await t.tx(async (t2) => t2.run('INSERT INTO kv (k, n) VALUES (?, ?)', ['n4', 1]));
      });
      assert.ok(await db.get('SELECT k FROM kv WHERE k = ?', ['n4']));
    });

    test('concurrent transactions are isolated: each commits or rolls back on its own', async () => {
      await db.run('INSERT INTO kv (k, n) VALUES (?, ?)', ['counter', 0]);
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          db.tx(async (t) => {
            await t.run('INSERT INTO kv (k, n) VALUES (?, ?)', [`c${i}`, i]);
            await tick();
            await t.run("UPDATE kv SET n = n + 1 WHERE k = 'counter'");
            await tick();
            if (i % 3 === 0) throw new Error(`fail ${i}`);
            return i;
          }),
        ),
      );
      assert.equal(results.filter((r) => r.status === 'rejected').length, 4);
      const kept = (await db.all<{ k: string }>("SELECT k FROM kv WHERE k LIKE 'c%' AND k <> 'counter' ORDER BY n")).map((r) => r.k);
      assert.deepEqual(kept, ['c1', 'c2', 'c4', 'c5', 'c7', 'c8', 'c10', 'c11']);
      const counter = await db.get<{ n: number }>("SELECT n FROM kv WHERE k = 'counter'");
      assert.equal(Number(counter!.n), 8);
    });

    test('a plain statement issued while another caller holds a transaction does not land in it', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const txp = db.tx(async (t) => {
        await t.run('INSERT INTO kv (k, n) VALUES (?, ?)', ['held', 1]);
        await gate;
        throw new Error('rolled back');
      });
      await tick();
      const outside = db.run('INSERT INTO kv (k, n) VALUES (?, ?)', ['outside', 1]);
      await tick();
      release();
      await assert.rejects(txp, /rolled back/);
      await outside;
      assert.equal(await db.get('SELECT k FROM kv WHERE k = ?', ['held']), undefined);
      assert.ok(await db.get('SELECT k FROM kv WHERE k = ?', ['outside']));
    });

    test('migrations are idempotent, also when two handles migrate at once', async () => {
      assert.deepEqual(await migrate(db), []);
      const ids = (await db.all<{ id: number }>('SELECT id FROM schema_migrations ORDER BY id')).map((r) => Number(r.id));
      assert.deepEqual(
        ids,
        migrations.map((m) => m.id),
      );
      const a = await target.open();
      const b = await target.open();
      try {
        const extra = [{ id: 100_000, name: 'contract-test', up: ['CREATE TABLE contract_extra (id TEXT PRIMARY KEY)'] }];
        const [ra, rb] = await Promise.all([migrate(a, [...migrations, ...extra]), migrate(b, [...migrations, ...extra])]);
        assert.deepEqual([...ra, ...rb], [100_000]);
        assert.deepEqual(await migrate(a, [...migrations, ...extra]), []);
      } finally {
        await a.close();
        await b.close();
      }
      // A failing migration is reported with its own code and leaves nothing behind.
      await assert.rejects(
        migrate(db, [...migrations, { id: 100_001, name: 'bad', up: ['CREATE TABLE half_done (id TEXT)', 'NOT SQL AT ALL'] }]),
        (e) => isSlipwayError(e, 'DB_MIGRATION_FAILED'),
      );
      await assert.rejects(db.all('SELECT * FROM half_done'), (e) => isSlipwayError(e, 'DB_FAILED'));
    });
  });
}
