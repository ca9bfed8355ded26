import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { hashFiles, sha256 } from '../../src/store/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { tempDir } from '../helpers/temp-workspace.js';

test('worker-thread and main-thread hashing agree with sha256 and keep input order', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 100; i++) files[`f${i}.txt`] = `content ${i} `.repeat(i * 37);
  files['empty'] = '';
  const { dir, cleanup } = tempDir(files);
  try {
    const names = Object.keys(files);
    const paths = names.map((n) => join(dir, n));
    let progressed = 0;
    const inWorkers = await hashFiles(paths, { workers: 2, onProgress: (d) => (progressed = d) });
    const onMain = await hashFiles(paths, { workers: 0 });
    assert.equal(progressed, names.length);
    names.forEach((n, i) => {
      assert.equal(inWorkers[i]!.hash, sha256(files[n]!));
      assert.equal(inWorkers[i]!.size, Buffer.byteLength(files[n]!));
      assert.deepEqual(onMain[i], inWorkers[i]);
    });
    await assert.rejects(hashFiles([join(dir, 'nope'), ...paths], { workers: 2 }), (e) => isSlipwayError(e, 'PATH_NOT_FOUND'));
  } finally {
    cleanup();
  }
});
