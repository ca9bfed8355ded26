import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { openDb, type Db } from '../../src/meta/index.js';
import { freshPostgresDatabase, TEST_DATABASE_URL } from '../contract/fresh-postgres.js';
import { openObjectStore, putTree } from '../../src/store/index.js';
import { addDataset, findDatasetVersion } from '../../src/data/index.js';
import { exportPointers, importPointers, pointerSync } from '../../src/sharing/index.js';
import { SlipwayError } from '../../src/errors/index.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';

/** Round trip from workspace A's database through its pointer files into B's database (SQLite or PostgreSQL). */
async function roundTrip(open: (sqlitePath: string) => Promise<Db>): Promise<void> {
  const a = tempWorkspace({ 'data/a.txt': 'alpha' });
  const b = tempWorkspace();
  const dbA = await open(a.ws.dbPath);
  const dbB = await open(b.ws.dbPath);
  try {
    const store = openObjectStore(a.ws.objectsDir);
    await addDataset(dbA, store, { path: join(a.dir, 'data'), name: 'd', message: 'first' });
    writeFileSync(join(a.dir, 'data', 'b.txt'), 'beta');
    await addDataset(dbA, store, { path: join(a.dir, 'data'), name: 'd' });
    const tree = putTree(store, [{ path: 'weights.bin', hash: store.putBytes('w'), size: 1, mode: 0o644 }]);
    await dbA.run('INSERT INTO models (name, description, created_at) VALUES (?, ?, ?)', ['m', 'a model', 5]);
    await dbA.run(
      `INSERT INTO model_versions (name, version, tree_hash, format, signature_json, metrics_json, params_json, run_id, lineage_json, description, created_at)
       VALUES ('m', 1, ?, 'slipway', '{"inputs":[],"outputs":[]}', '{"accuracy":0.9}', '{}', NULL, NULL, NULL, 6)`,
      [tree],
    );
    await dbA.run(`INSERT INTO aliases (model, alias, version, updated_at) VALUES ('m', 'production', 1, 7)`);
    await dbA.run(`INSERT INTO run_cache (key, stage, outs_json, run_id, created_at) VALUES (?, 'train', ?, NULL, 8)`, [
      'k'.repeat(64),
      JSON.stringify([{ path: 'model', hash: tree, size: 1, nfiles: 1, type: 'dir', cache: true }]),
    ]);
    const exp = await exportPointers(dbA, a.dir);
    assert.equal(exp.written.length, 3);
    // Deterministic: a second export with nothing changed writes nothing (git status stays clean).
    assert.equal((await exportPointers(dbA, a.dir)).written.length, 0);

    // B: a clone's checkout of the committed files.
    for (const rel of ['slipway/datasets/d.yaml', 'slipway/models/m.yaml', `slipway/run-cache/${'k'.repeat(64)}.yaml`]) {
      const dest = join(b.dir, rel);
      mkdirSync(join(dest, '..'), { recursive: true });
      writeFileSync(dest, readFileSync(join(a.dir, rel)));
    }
    const imp = await importPointers(dbB, b.dir);
    assert.deepEqual(
      { d: imp.datasetVersions, m: imp.modelVersions, a: imp.aliases, c: imp.runCache, x: imp.conflicts },
      { d: 2, m: 1, a: 1, c: 1, x: [] },
    );
    for (const v of [1, 2]) {
      const va = (await findDatasetVersion(dbA, 'd', v))!;
      const vb = (await findDatasetVersion(dbB, 'd', v))!;
      assert.deepEqual(vb, va);
    }
    assert.deepEqual(await dbB.get('SELECT version FROM aliases WHERE model = ? AND alias = ?', ['m', 'production']), { version: 1 });
    // Import is idempotent; a differing version number is a conflict, the database keeps its own.
    assert.equal((await importPointers(dbB, b.dir)).datasetVersions, 0);
    await dbB.run("UPDATE dataset_versions SET tree_hash = ? WHERE name = 'd' AND version = 1", ['0'.repeat(64)]);
    assert.deepEqual((await importPointers(dbB, b.dir)).conflicts, ['dataset d@1']);
    // A damaged pointer file is POINTER_INVALID, never silently skipped.
    writeFileSync(join(b.dir, 'slipway/datasets/d.yaml'), 'versions: [{version: 1, tree: nope}]\n');
    await assert.rejects(importPointers(dbB, b.dir), (e: unknown) => e instanceof SlipwayError && e.code === 'POINTER_INVALID');
  } finally {
    await dbA.close();
    await dbB.close();
    a.cleanup();
    b.cleanup();
  }
}

test('pointer files round-trip dataset versions, model versions, aliases and run cache into an empty database', () =>
  roundTrip((sqlitePath) => openDb({ sqlitePath })));

test(
  'the same round trip on PostgreSQL (teams on a shared database)',
  { skip: TEST_DATABASE_URL ? false : 'SLIPWAY_TEST_DATABASE_URL is not set (../shared/services/pg-up.sh starts one)' },
  async () => {
    const drops: (() => Promise<void>)[] = [];
    try {
      await roundTrip(async () => {
        const fresh = await freshPostgresDatabase(TEST_DATABASE_URL!);
        drops.push(fresh.drop);
        return openDb({ sqlitePath: '', databaseUrl: fresh.url });
      });
    } finally {
      for (const d of drops) await d();
    }
  },
);

test('pointer sync exports what a session wrote and imports what git changed, without rewriting checked-out files', async () => {
  const a = tempWorkspace({ 'data/a.txt': 'alpha' });
  try {
    const store = openObjectStore(a.ws.objectsDir);
    let db = await openDb({ sqlitePath: a.ws.dbPath });
    let sync = pointerSync(a.dir, a.ws.stateDir);
    await sync.open(db);
    await addDataset(db, store, { path: join(a.dir, 'data'), name: 'd' });
    await sync.close(db);
    const file = join(a.dir, 'slipway', 'datasets', 'd.yaml');
    const v1 = readFileSync(file, 'utf8');
    assert.match(v1, /version: 1/);
    writeFileSync(join(a.dir, 'data', 'a.txt'), 'changed');
    await addDataset(db, store, { path: join(a.dir, 'data'), name: 'd' });
    sync = pointerSync(a.dir, a.ws.stateDir);
    await sync.close(db);
    const v2 = readFileSync(file, 'utf8');
    assert.match(v2, /version: 2/);
    await db.close();

    // `git checkout` of the older file: the next session imports (nothing new) and leaves the file as checked out.
    writeFileSync(file, v1);
    const before = statSync(file).mtimeMs;
    db = await openDb({ sqlitePath: a.ws.dbPath });
    sync = pointerSync(a.dir, a.ws.stateDir);
    await sync.open(db);
    await sync.close(db);
    assert.equal(readFileSync(file, 'utf8'), v1);
    assert.equal(statSync(file).mtimeMs, before);
    await db.close();
  } finally {
    a.cleanup();
  }
});

test('a lost database is rebuilt from the pointer files, and an export never deletes committed files', async () => {
  const a = tempWorkspace({ 'data/a.txt': 'alpha' });
  try {
    const store = openObjectStore(a.ws.objectsDir);
    let db = await openDb({ sqlitePath: a.ws.dbPath });
    let sync = pointerSync(a.dir, a.ws.stateDir);
    await sync.open(db);
    await addDataset(db, store, { path: join(a.dir, 'data'), name: 'd' });
    await sync.close(db);
    await db.close();
    rmSync(a.ws.dbPath, { force: true });
    rmSync(`${a.ws.dbPath}-wal`, { force: true });
    rmSync(`${a.ws.dbPath}-shm`, { force: true });

    db = await openDb({ sqlitePath: a.ws.dbPath });
    sync = pointerSync(a.dir, a.ws.stateDir);
    const imp = await sync.open(db);
    assert.equal(imp?.datasetVersions, 1, 'd@1 comes back from slipway/datasets/d.yaml');
    writeFileSync(join(a.dir, 'data', 'a.txt'), 'changed');
    const r = await addDataset(db, store, { path: join(a.dir, 'data'), name: 'd' });
    assert.equal(r.version.version, 2, 'numbering continues after the rebuilt versions');
    await sync.close(db);
    assert.match(readFileSync(join(a.dir, 'slipway', 'datasets', 'd.yaml'), 'utf8'), /version: 2/);
    await db.close();
  } finally {
    a.cleanup();
  }
});
