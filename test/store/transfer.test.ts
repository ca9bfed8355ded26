import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  addPathToStore,
  closureOf,
  openObjectStore,
  openRemote,
  pullClosure,
  pushObjects,
  readTree,
  type Remote,
} from '../../src/store/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { tempDir } from '../helpers/temp-workspace.js';

test('push sends only missing objects, resumes after an interruption, and pull restores a tree in a fresh store', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 40; i++) files[`d/${i % 4}/f${i}.txt`] = `payload ${i}`.repeat(i + 1);
  const { dir, cleanup } = tempDir(files);
  try {
    const local = openObjectStore(join(dir, 'local'));
    const { hash: tree } = await addPathToStore(local, join(dir, 'd'));
    const all = closureOf(local, [tree]);
    assert.equal(all.length, 41);
    const remote = openRemote(join(dir, 'remote'));

    // A remote that dies after 10 uploads, like a dropped connection.
    let puts = 0;
    const flaky: Remote = {
      ...remote,
      put: async (h, body) => {
        if (++puts > 10) {
          body.destroy();
          throw new Error('network down');
        }
        return remote.put(h, body);
      },
    };
    await assert.rejects(pushObjects(local, flaky, all, { concurrency: 4 }), (e) => isSlipwayError(e, 'REMOTE_FAILED'));
    const landed = (await remote.list()).size;
    assert.ok(landed >= 10 && landed < 41, `partial push (${landed})`);

    let progress = 0;
    const resumed = await pushObjects(local, remote, all, { concurrency: 4, onProgress: (d) => (progress = d) });
    assert.equal(resumed.transferred, 41 - landed);
    assert.equal(resumed.skipped, landed);
    assert.equal(progress, 41 - landed);
    assert.equal((await remote.list()).size, 41);
    const noop = await pushObjects(local, remote, all);
    assert.equal(noop.transferred, 0);

    const fresh = openObjectStore(join(dir, 'fresh'));
    const pulled = await pullClosure(fresh, remote, [tree], { concurrency: 3 });
    assert.equal(pulled.transferred, 41);
    for (const e of readTree(fresh, tree).entries) assert.equal(fresh.getBytes(e.hash).toString(), files[`d/${e.path}`]);
    assert.equal((await pullClosure(fresh, remote, [tree])).transferred, 0);
  } finally {
    cleanup();
  }
});
