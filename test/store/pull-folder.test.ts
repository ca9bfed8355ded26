import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { appendFileSync, chmodSync } from 'node:fs';
import { SlipwayError } from '../../src/errors/index.js';
import { fsckStore, listObjects, openFsRemote, openObjectStore, pullObjects, pushObjects } from '../../src/store/index.js';
import { tempDir } from '../helpers/temp-workspace.js';

test('pulling many objects from a folder remote verifies each by hash: a corrupt remote copy is refused and nothing half-done is left', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const a = openObjectStore(join(dir, 'a'));
    const hashes = Array.from({ length: 100 }, (_, i) => a.putBytes(`object ${i}\n`.repeat(i + 1)));
    const remote = openFsRemote(join(dir, 'remote'));
    await pushObjects(a, remote, hashes);

    const b = openObjectStore(join(dir, 'b'));
    const r = await pullObjects(b, remote, hashes);
    assert.equal(r.transferred, 100);
    const ok = await fsckStore(b, new Map(hashes.map((h) => [h, ['test']])));
    assert.equal(ok.ok, true);
    assert.equal(ok.checked, 100);

    // Damage one object on the remote: the batch is refused with OBJECT_CORRUPT and no object lands under a wrong name.
    const bad = hashes[42]!;
    const p = remote.localPathOf!(bad);
    chmodSync(p, 0o644);
    appendFileSync(p, 'tampered');
    const c = openObjectStore(join(dir, 'c'));
    await assert.rejects(pullObjects(c, remote, hashes), (e: unknown) => e instanceof SlipwayError && e.code === 'OBJECT_CORRUPT');
    const listing = listObjects(c);
    assert.deepEqual(listing.tempFiles, []);
    assert.equal(listing.objects.includes(bad), false);
    assert.equal((await fsckStore(c, new Map())).ok, true);
  } finally {
    cleanup();
  }
});
