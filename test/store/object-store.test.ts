import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { openObjectStore, addPathToStore, checkoutTree, readTree, putTree, sha256 } from '../../src/store/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { tempDir } from '../helpers/temp-workspace.js';

test('objects are content addressed and idempotent', () => {
  const t = tempDir();
  try {
    const store = openObjectStore(join(t.dir, 'objects'));
    const h = store.putBytes('hello');
    assert.equal(h, sha256('hello'));
    assert.equal(store.putBytes('hello'), h);
    assert.equal(store.getBytes(h).toString(), 'hello');
    assert.ok(store.pathOf(h).endsWith(`${h.slice(0, 2)}/${h.slice(2)}`));
  } finally {
    t.cleanup();
  }
});

test('a folder round-trips through a tree and checkout', async () => {
  const t = tempDir({ 'src/a.txt': 'A', 'src/sub/b.txt': 'BB' });
  try {
    const store = openObjectStore(join(t.dir, 'objects'));
    const { hash, entries } = await addPathToStore(store, join(t.dir, 'src'));
    assert.deepEqual(
      entries.map((e) => e.path),
      ['a.txt', 'sub/b.txt'],
    );
    const again = await addPathToStore(store, join(t.dir, 'src'));
    assert.equal(again.hash, hash, 'same content gives the same tree hash');
    checkoutTree(store, hash, join(t.dir, 'out'));
    assert.equal(readFileSync(join(t.dir, 'out', 'sub', 'b.txt'), 'utf8'), 'BB');
    assert.equal(readTree(store, hash).entries.length, 2);
  } finally {
    t.cleanup();
  }
});

test('manifests with escaping paths are refused', () => {
  const t = tempDir();
  try {
    const store = openObjectStore(join(t.dir, 'objects'));
    const h = store.putBytes('x');
    for (const path of ['../x', '/etc/passwd', 'a/../../x']) {
      assert.throws(
        () => putTree(store, [{ path, hash: h, size: 1, mode: 0o644 }]),
        (e) => isSlipwayError(e, 'PATH_ESCAPES'),
      );
    }
    const evil = store.putBytes(JSON.stringify({ kind: 'tree', entries: [{ path: '../evil', hash: h, size: 1, mode: 420 }] }));
    assert.throws(
      () => checkoutTree(store, evil, join(t.dir, 'out')),
      (e) => isSlipwayError(e, 'PATH_ESCAPES'),
    );
  } finally {
    t.cleanup();
  }
});
