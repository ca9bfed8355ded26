import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chmodSync, readFileSync, statSync, writeFileSync, accessSync, constants } from 'node:fs';
import { addPathToStore, checkoutTree, openObjectStore } from '../../src/store/index.js';
import { tempDir } from '../helpers/temp-workspace.js';

test('checkout hardlinks read-only files only when asked to, and gives independent writable files by default', async () => {
  const { dir, cleanup } = tempDir({ 'src/a.txt': 'alpha', 'src/deep/b.sh': '#!/bin/sh\necho hi\n' });
  try {
    chmodSync(join(dir, 'src/deep/b.sh'), 0o755);
    const store = openObjectStore(join(dir, 'objects'));
    const { hash, entries } = await addPathToStore(store, join(dir, 'src'));
    const a = entries.find((e) => e.path === 'a.txt')!;
    // Stored objects are read-only, so a hard link into the store cannot be edited in place.
    assert.equal(statSync(store.pathOf(a.hash)).mode & 0o222, 0);

    checkoutTree(store, hash, join(dir, 'linked'), { link: ['hardlink'] });
    const linked = join(dir, 'linked', 'a.txt');
    assert.equal(readFileSync(linked, 'utf8'), 'alpha');
    const st = statSync(linked);
    const objIno = statSync(store.pathOf(a.hash)).ino;
    assert.equal(st.ino, objIno, 'an explicit hardlink checkout links');
    {
      // Hard link: the file is the object, and it is read-only.
      assert.equal(st.mode & 0o222, 0);
      if (process.getuid?.() !== 0) assert.throws(() => writeFileSync(linked, 'changed'));
    }

    checkoutTree(store, hash, join(dir, 'copied'));
    const copied = join(dir, 'copied', 'a.txt');
    assert.notEqual(statSync(copied).ino, objIno);
    accessSync(copied, constants.W_OK);
    writeFileSync(copied, 'edited');
    assert.equal(store.getBytes(a.hash).toString(), 'alpha', 'editing a copy leaves the store intact');
    assert.equal(statSync(join(dir, 'copied', 'deep', 'b.sh')).mode & 0o777, 0o755);
  } finally {
    cleanup();
  }
});
