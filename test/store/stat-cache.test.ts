import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync, utimesSync } from 'node:fs';
import { addPathToStore, openObjectStore, openStatCache, readTree, sha256 } from '../../src/store/index.js';
import { tempDir } from '../helpers/temp-workspace.js';

test('the stat cache skips unchanged files and re-hashes changed ones', async () => {
  const { dir, cleanup } = tempDir({ 'data/a.txt': 'alpha', 'data/b.txt': 'beta', 'data/sub/c.txt': 'gamma' });
  const store = openObjectStore(join(dir, 'objects'));
  const cache = openStatCache(join(dir, 'stat.db'));
  try {
    const past = new Date(Date.now() - 60_000);
    for (const f of ['a.txt', 'b.txt', 'sub/c.txt']) utimesSync(join(dir, 'data', f), past, past);
    const first = await addPathToStore(store, join(dir, 'data'), { statCache: cache });
    assert.equal(first.hashed, 3);
    const again = await addPathToStore(store, join(dir, 'data'), { statCache: cache });
    assert.equal(again.hashed, 0);
    assert.equal(again.hash, first.hash);
    // Same size, different content and mtime: must be hashed again and give a new tree.
    writeFileSync(join(dir, 'data/a.txt'), 'ALPHA');
    utimesSync(join(dir, 'data/a.txt'), past, new Date(past.getTime() + 1000));
    const changed = await addPathToStore(store, join(dir, 'data'), { statCache: cache });
    assert.equal(changed.hashed, 1);
    assert.notEqual(changed.hash, first.hash);
    const entry = readTree(store, changed.hash).entries.find((e) => e.path === 'a.txt');
    assert.equal(entry?.hash, sha256('ALPHA'));
    assert.equal(store.getBytes(entry!.hash).toString(), 'ALPHA');
  } finally {
    cache.close();
    cleanup();
  }
});

test('a cache entry is only trusted when inode, mtime and size all match', () => {
  const { dir, cleanup } = tempDir();
  const cache = openStatCache(join(dir, 'stat.db'));
  try {
    const stamp = { inode: 42n, mtimeNs: 1_700_000_000_123_456_789n, size: 10n };
    cache.record([{ path: '/x', stamp, hash: 'a'.repeat(64) }]);
    assert.equal(cache.lookup('/x', stamp), 'a'.repeat(64));
    assert.equal(cache.lookup('/x', { ...stamp, inode: 43n }), undefined);
    assert.equal(cache.lookup('/x', { ...stamp, mtimeNs: stamp.mtimeNs + 1n }), undefined);
    assert.equal(cache.lookup('/x', { ...stamp, size: 11n }), undefined);
    assert.equal(cache.lookup('/y', stamp), undefined);
  } finally {
    cache.close();
    cleanup();
  }
});

test('a file modified just before it was hashed is racy: its entry is not trusted until recorded again later', () => {
  const { dir, cleanup } = tempDir();
  const cache = openStatCache(join(dir, 'stat.db'));
  try {
    const hashedAt = 1_700_000_000_000;
    const racy = { inode: 1n, mtimeNs: BigInt(hashedAt) * 1_000_000n - 1_000n, size: 3n };
    cache.record([{ path: '/racy', stamp: racy, hash: 'b'.repeat(64) }], hashedAt);
    assert.equal(cache.lookup('/racy', racy), undefined);
    cache.record([{ path: '/racy', stamp: racy, hash: 'b'.repeat(64) }], hashedAt + 5_000);
    assert.equal(cache.lookup('/racy', racy), 'b'.repeat(64));
  } finally {
    cache.close();
    cleanup();
  }
});
