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
    const first = await addPathToStore(store, join(dir, 'data'), { statCache: cache });
    assert.equal(first.hashed, 3);
    const again = await addPathToStore(store, join(dir, 'data'), { statCache: cache });
    assert.equal(again.hashed, 0);
    assert.equal(again.hash, first.hash);
    // Same size, different content and mtime: must be hashed again and give a new tree.
    writeFileSync(join(dir, 'data/a.txt'), 'ALPHA');
    utimesSync(join(dir, 'data/a.txt'), new Date(), new Date(Date.now() + 5000));
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
