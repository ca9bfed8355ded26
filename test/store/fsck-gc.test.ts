import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { openDb, type Db } from '../../src/meta/index.js';
import { fsckStore, gcStore, openObjectStore, putTree, sha256, type ObjectStore } from '../../src/store/index.js';
import { workspaceRoots } from '../../src/cli/workspace-roots.js';
import { addDataset } from '../../src/data/index.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';

async function setup(): Promise<{ db: Db; store: ObjectStore; root: string; cleanup: () => Promise<void> }> {
  const t = tempWorkspace({ 'data/a.txt': 'alpha', 'data/b.txt': 'beta' });
  const db = await openDb({ sqlitePath: t.ws.dbPath });
  const store = openObjectStore(t.ws.objectsDir);
  return {
    db,
    store,
    root: t.dir,
    cleanup: async () => {
      await db.close();
      t.cleanup();
    },
  };
}

function flipByte(store: ObjectStore, hash: string): void {
  const p = store.pathOf(hash);
  const buf = readFileSync(p);
  buf[0] = buf[0]! ^ 0xff;
  chmodSync(p, 0o644);
  writeFileSync(p, buf);
}

test('fsck passes a healthy store, names a flipped byte and a missing object referenced by a tree', async () => {
  const { db, store, root, cleanup } = await setup();
  try {
    const { version } = await addDataset(db, store, { path: join(root, 'data'), name: 'd' });
    assert.equal((await fsckStore(store, await workspaceRoots(db, root, { requiredOnly: true }))).ok, true);
    const alpha = sha256('alpha');
    flipByte(store, alpha);
    const bad = await fsckStore(store, await workspaceRoots(db, root, { requiredOnly: true }));
    assert.equal(bad.ok, false);
    assert.deepEqual(
      bad.problems.map((p) => [p.kind, p.hash]),
      [['corrupt', alpha]],
    );
    // A tree whose entry is missing from the store: fsck names the missing object and who referenced it.
    const ghost = sha256('never stored');
    const tree = putTree(store, [{ path: 'ghost.txt', hash: ghost, size: 12, mode: 0o644 }]);
    // Dependency hashes and cache keys in a lock are not stored objects; only cached outputs must be present.
    const depOnly = sha256('a source file that is never stored');
    writeFileSync(
      join(root, 'slipway.lock'),
      `schema: "1"\nstages:\n  train:\n    key: ${sha256('key')}\n    deps:\n      - path: train.js\n        hash: ${depOnly}\n` +
        `    outs:\n      - path: out\n        hash: ${tree}\n        cache: true\n      - path: metrics.json\n        hash: ${sha256('uncached')}\n        cache: false\n`,
    );
    const missing = await fsckStore(store, await workspaceRoots(db, root, { requiredOnly: true }));
    assert.deepEqual(
      missing.problems.filter((p) => p.kind === 'missing').map((p) => p.hash),
      [ghost],
    );
    assert.match(missing.problems.find((p) => p.kind === 'missing')!.detail, /slipway\.lock stage train → ghost\.txt/);
    assert.ok(version.treeHash);
  } finally {
    await cleanup();
  }
});

test('gc keeps everything reachable (datasets, models, run artifacts, run cache, lock; trees transitively) and removes the rest', async () => {
  const { db, store, root, cleanup } = await setup();
  try {
    const { version } = await addDataset(db, store, { path: join(root, 'data'), name: 'd' });
    const keep = {
      model: putTree(store, [{ path: 'weights.bin', hash: store.putBytes('weights'), size: 7, mode: 0o644 }]),
      artifact: store.putBytes('artifact bytes'),
      cached: store.putBytes('cached output'),
      locked: store.putBytes('locked output'),
    };
    const orphan = store.putBytes('nobody refers to me');
    const orphanTree = putTree(store, [{ path: 'x', hash: store.putBytes('only in an orphan tree'), size: 22, mode: 0o644 }]);
    await db.run('INSERT INTO models (name, created_at) VALUES (?, ?)', ['m', 1]);
    await db.run('INSERT INTO model_versions (name, version, tree_hash, format, signature_json, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
      'm',
      1,
      keep.model,
      'slipway',
      '{}',
      1,
    ]);
    await db.run('INSERT INTO experiments (id, name, created_at) VALUES (?, ?, ?)', ['e', 'exp', 1]);
    await db.run('INSERT INTO runs (id, experiment_id, status, start_time) VALUES (?, ?, ?, ?)', ['r1', 'e', 'finished', 1]);
    await db.run('INSERT INTO run_artifacts (run_id, path, hash, size, kind) VALUES (?, ?, ?, ?, ?)', [
      'r1',
      'model.bin',
      keep.artifact,
      14,
      'file',
    ]);
    await db.run('INSERT INTO run_cache (key, stage, outs_json, created_at) VALUES (?, ?, ?, ?)', [
      'k',
      'train',
      JSON.stringify({ 'out/m': keep.cached }),
      1,
    ]);
    writeFileSync(join(root, 'slipway.lock'), `train:\n  outs:\n    - path: x\n      hash: ${keep.locked}\n`);
    const stale = join(store.root, orphan.slice(0, 2), `${orphan.slice(2)}.tmp-999999999-abcdef`);
    writeFileSync(stale, 'half');

    const dry = gcStore(store, await workspaceRoots(db, root), { dryRun: true, pruneExpireMs: 0 });
    const doomed = dry.removed.map((r) => r.hash).sort();
    assert.deepEqual(doomed, [orphan, orphanTree, sha256('only in an orphan tree')].sort());
    assert.ok(store.has(orphan), 'dry run removes nothing');
    assert.ok(existsSync(stale));

    const real = gcStore(store, await workspaceRoots(db, root), { pruneExpireMs: 0 });
    assert.equal(real.removed.length, 3);
    assert.deepEqual(real.tempFilesRemoved, [stale]);
    assert.ok(!store.has(orphan) && !store.has(orphanTree));
    for (const h of [...Object.values(keep), sha256('weights'), version.treeHash, sha256('alpha'), sha256('beta')])
      assert.ok(store.has(h), h);
    assert.equal((await fsckStore(store, await workspaceRoots(db, root))).ok, true);
  } finally {
    await cleanup();
  }
});
