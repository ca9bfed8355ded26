import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
  readdirSync,
} from 'node:fs';
import { spawn } from 'node:child_process';
import {
  acquireGcLock,
  acquireWriteLock,
  addPathToStore,
  checkoutTree,
  closureOf,
  openFsRemote,
  pushObjects,
  repairStore,
  fsckStore,
  gcStore,
  listObjects,
  openObjectStore,
  sha256,
} from '../../src/store/index.js';
import { tempDir } from '../helpers/temp-workspace.js';
import { SlipwayError } from '../../src/errors/index.js';

test('default checkout gives independent files: editing one never changes the stored object (fsck stays clean)', async () => {
  const { dir, cleanup } = tempDir({ 'src/a.csv': 'x,y\n1,2\n' });
  try {
    const store = openObjectStore(join(dir, 'objects'));
    const { hash } = await addPathToStore(store, join(dir, 'src'));
    checkoutTree(store, hash, join(dir, 'co'));
    // Root ignores the read-only bit, so only an independent copy keeps the store safe.
    appendFileSync(join(dir, 'co', 'a.csv'), 'x');
    const report = await fsckStore(store, new Map([[hash, ['test']]]));
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    assert.equal(store.getBytes(sha256('x,y\n1,2\n')).toString(), 'x,y\n1,2\n');
  } finally {
    cleanup();
  }
});

test('checkout never writes through a symlinked sub-folder of the target', async () => {
  const { dir, cleanup } = tempDir({ 'src/sub/a.txt': 'alpha', 'outside/keep.txt': 'keep' });
  try {
    const store = openObjectStore(join(dir, 'objects'));
    const { hash } = await addPathToStore(store, join(dir, 'src'));
    mkdirSync(join(dir, 'co'));
    symlinkSync(join(dir, 'outside'), join(dir, 'co', 'sub'));
    assert.throws(
      () => checkoutTree(store, hash, join(dir, 'co')),
      (e: unknown) => e instanceof SlipwayError && e.code === 'PATH_ESCAPES',
    );
    assert.equal(existsSync(join(dir, 'outside', 'a.txt')), false, 'nothing written outside the target');
    // A symlink in place of a file is replaced by the file, not written through.
    mkdirSync(join(dir, 'co2', 'sub'), { recursive: true });
    symlinkSync(join(dir, 'outside', 'keep.txt'), join(dir, 'co2', 'sub', 'a.txt'));
    checkoutTree(store, hash, join(dir, 'co2'));
    assert.equal(readFileSync(join(dir, 'outside', 'keep.txt'), 'utf8'), 'keep');
    assert.equal(readFileSync(join(dir, 'co2', 'sub', 'a.txt'), 'utf8'), 'alpha');
  } finally {
    cleanup();
  }
});

test('adding a folder follows symlinks to files and folders and reports dangling ones instead of dropping them silently', async () => {
  const { dir, cleanup } = tempDir({ 'real/one.txt': '1', 'real/dir/two.txt': '2', 'src/own.txt': 'own' });
  try {
    symlinkSync(join(dir, 'real', 'one.txt'), join(dir, 'src', 'link-file.txt'));
    symlinkSync(join(dir, 'real', 'dir'), join(dir, 'src', 'link-dir'));
    symlinkSync(join(dir, 'nowhere'), join(dir, 'src', 'dangling'));
    const store = openObjectStore(join(dir, 'objects'));
    const r = await addPathToStore(store, join(dir, 'src'));
    assert.deepEqual(
      r.entries.map((e) => e.path),
      ['link-dir/two.txt', 'link-file.txt', 'own.txt'],
    );
    assert.deepEqual(
      r.skipped.map((s) => s.path),
      ['dangling'],
    );
  } finally {
    cleanup();
  }
});

test('gc keeps unreferenced objects younger than the grace period; prune-now removes them', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const store = openObjectStore(join(dir, 'objects'));
    const young = store.putBytes('just written by a writer that has not committed yet');
    const old = store.putBytes('old garbage');
    const past = new Date(Date.now() - 30 * 86400_000);
    utimesSync(store.pathOf(old), past, past);
    const r = gcStore(store, new Map());
    assert.deepEqual(
      r.removed.map((x) => x.hash),
      [old],
    );
    assert.equal(r.young, 1);
    assert.ok(store.has(young));
    const now = gcStore(store, new Map(), { pruneExpireMs: 0 });
    assert.deepEqual(
      now.removed.map((x) => x.hash),
      [young],
    );
  } finally {
    cleanup();
  }
});

test('gc waits for writers holding the store write lock, and writers wait for gc', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const store = openObjectStore(join(dir, 'objects'));
    const releaseWriter = await acquireWriteLock(store);
    let gcGot = false;
    const gc = acquireGcLock(store, { timeoutMs: 20_000 }).then((rel) => {
      gcGot = true;
      return rel;
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(gcGot, false, 'gc must not start while a writer holds the lock');
    releaseWriter();
    const releaseGc = await gc;
    // While gc holds its lock a writer times out with STORE_LOCKED.
    await assert.rejects(
      acquireWriteLock(store, { timeoutMs: 150 }),
      (e: unknown) => e instanceof SlipwayError && e.code === 'STORE_LOCKED',
    );
    releaseGc();
    (await acquireWriteLock(store, { timeoutMs: 1000 }))();
  } finally {
    cleanup();
  }
});

test('temp files left by a killed writer are removed by the next writer', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const store = openObjectStore(join(dir, 'objects'));
    // A process that has exited: its pid is free, so its temp file is debris.
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    mkdirSync(join(store.root, 'ab'), { recursive: true });
    const debris = join(store.root, 'ab', `${'c'.repeat(62)}.tmp-${pid}-0123456789ab`);
    writeFileSync(debris, Buffer.alloc(1024));
    const mine = join(store.root, 'ab', `${'d'.repeat(62)}.tmp-${process.pid}-0123456789ab`);
    writeFileSync(mine, 'in progress');
    (await acquireWriteLock(store))();
    assert.equal(existsSync(debris), false);
    assert.equal(existsSync(mine), true, 'a live writer keeps its temp files');
    assert.deepEqual(listObjects(store).tempFiles, [mine]);
    assert.ok(readdirSync(join(store.root, 'ab')).length === 1);
  } finally {
    cleanup();
  }
});

test('fsck --repair fetches corrupt and missing objects again from the remote, verified by hash', async () => {
  const { dir, cleanup } = tempDir({ 'src/a.txt': 'alpha', 'src/b.txt': 'beta', 'src/c.txt': 'gamma' });
  try {
    const store = openObjectStore(join(dir, 'objects'));
    const { hash } = await addPathToStore(store, join(dir, 'src'));
    const remote = openFsRemote(join(dir, 'remote'));
    await pushObjects(store, remote, closureOf(store, [hash]));
    // A privileged edit of a hard-linked checkout (root ignores 0444) and a lost object.
    const a = sha256('alpha');
    chmodSync(store.pathOf(a), 0o644);
    appendFileSync(store.pathOf(a), 'x');
    rmSync(store.pathOf(sha256('beta')));
    const roots = new Map([[hash, ['dataset d@1']]]);
    const bad = await fsckStore(store, roots);
    assert.deepEqual(bad.problems.map((p) => p.kind).sort(), ['corrupt', 'missing']);
    const r = await repairStore(store, remote, bad, roots);
    assert.deepEqual(r.repaired.sort(), [a, sha256('beta')].sort());
    assert.deepEqual(r.unrepaired, []);
    assert.equal((await fsckStore(store, roots)).ok, true);
    // An object the remote lacks too is reported, and a corrupt one is kept for inspection rather than deleted.
    const lonely = store.putBytes('only here');
    chmodSync(store.pathOf(lonely), 0o644);
    appendFileSync(store.pathOf(lonely), '!');
    const bad2 = await fsckStore(store, new Map([[lonely, ['test']]]));
    const r2 = await repairStore(store, remote, bad2, new Map([[lonely, ['test']]]));
    assert.deepEqual(r2.repaired, []);
    assert.equal(r2.unrepaired[0]?.hash, lonely);
    assert.ok(existsSync(store.pathOf(lonely)));
  } finally {
    cleanup();
  }
});
