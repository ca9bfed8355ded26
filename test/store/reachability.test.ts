import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { openObjectStore, putTree, walkReachable } from '../../src/store/index.js';
import { tempDir } from '../helpers/temp-workspace.js';

test('walks remember tree-free trees, but never one whose entries were missing (a missing entry may be a tree)', () => {
  const { dir, cleanup } = tempDir();
  try {
    const store = openObjectStore(join(dir, 'objects'));
    const leaf = store.putBytes('leaf');
    const inner = putTree(store, [{ path: 'leaf.txt', hash: leaf, size: 4, mode: 0o644 }]);
    const outer = putTree(store, [{ path: 'inner', hash: inner, size: 0, mode: 0o644 }]);
    // The inner tree is not here yet (a partial pull): outer must not be remembered as flat.
    const innerBytes = store.getBytes(inner);
    rmSync(store.pathOf(inner), { force: true });
    const first = walkReachable(store, new Map([[outer, ['root']]]));
    assert.deepEqual([...first.missing.keys()], [inner]);
    const flatFile = join(store.root, '.flat-trees');
    assert.equal(existsSync(flatFile) && readFileSync(flatFile, 'utf8').includes(outer), false);
    // Once it arrives, the walk goes through it to the leaf.
    store.putBytes(innerBytes);
    const second = walkReachable(store, new Map([[outer, ['root']]]));
    assert.deepEqual([...second.reachable.keys()].sort(), [outer, inner, leaf].sort());
    assert.ok(readFileSync(flatFile, 'utf8').includes(inner), 'the inner tree (only a file) is remembered as flat');
    assert.equal(readFileSync(flatFile, 'utf8').includes(outer), false, 'outer holds a tree');
    // A walk using the remembered fact finds the same objects; a lost leaf is still reported missing.
    rmSync(store.pathOf(leaf), { force: true });
    const third = walkReachable(store, new Map([[outer, ['root']]]));
    assert.deepEqual([...third.missing.keys()], [leaf]);
  } finally {
    cleanup();
  }
});
