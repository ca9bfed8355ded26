import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { readIdx, readIdxSync, encodeIdx, decodeIdx, type IdxArray } from '../../src/data/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { FIXTURES, tempDir } from '../helpers/temp-workspace.js';

const MNIST = join(FIXTURES, 'mnist');

test('reads the real MNIST t10k labels and images (.gz)', async () => {
  const labels = await readIdx(join(MNIST, 't10k-labels-idx1-ubyte.gz'));
  assert.equal(labels.dtype, 'uint8');
  assert.deepEqual(labels.shape, [10000]);
  assert.equal(labels.data.length, 10000);
  // The first test labels of MNIST are 7, 2, 1, 0, 4.
  assert.deepEqual([...labels.data.slice(0, 5)], [7, 2, 1, 0, 4]);
  const counts = new Array(10).fill(0);
  for (const v of labels.data) counts[v]++;
  assert.equal(counts[1], 1135);
  const images = readIdxSync(join(MNIST, 't10k-images-idx3-ubyte.gz'));
  assert.deepEqual(images.shape, [10000, 28, 28]);
  assert.equal(images.data.length, 10000 * 784);
  assert.ok(Math.max(...images.data.slice(0, 784)) === 255);
});

test('round-trips every dtype, raw and gzipped, big-endian', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const cases: IdxArray[] = [
      { dtype: 'int8', shape: [2, 2], data: Int8Array.from([-1, 2, -128, 127]) },
      { dtype: 'int16', shape: [3], data: Int16Array.from([-300, 0, 30000]) },
      { dtype: 'int32', shape: [1, 3], data: Int32Array.from([-70000, 1, 2 ** 30]) },
      { dtype: 'float32', shape: [2], data: Float32Array.from([1.5, -2.25]) },
      { dtype: 'float64', shape: [2], data: Float64Array.from([Math.PI, -1e300]) },
    ];
    for (const c of cases) {
      const raw = encodeIdx(c);
      const p = join(dir, `${c.dtype}.idx`);
      writeFileSync(p, raw);
      writeFileSync(`${p}.gz`, gzipSync(raw));
      for (const back of [await readIdx(p), readIdxSync(`${p}.gz`)]) {
        assert.equal(back.dtype, c.dtype);
        assert.deepEqual(back.shape, c.shape);
        assert.deepEqual([...back.data], [...c.data]);
      }
    }
    // int16 is big-endian on disk: -300 = 0xFED4
    const raw16 = encodeIdx(cases[1]!);
    assert.deepEqual([...raw16.subarray(0, 4)], [0, 0, 0x0b, 1]);
    assert.deepEqual([...raw16.subarray(8, 10)], [0xfe, 0xd4]);
  } finally {
    cleanup();
  }
});

test('bad magic, truncated bodies and missing files are refused with codes', async () => {
  assert.throws(
    () => decodeIdx(Buffer.from('hello world')),
    (e) => isSlipwayError(e, 'DATA_FORMAT_INVALID'),
  );
  const truncated = encodeIdx({ dtype: 'uint8', shape: [10], data: new Uint8Array(10) }).subarray(0, 12);
  assert.throws(
    () => decodeIdx(truncated),
    (e) => isSlipwayError(e, 'DATA_FORMAT_INVALID'),
  );
  await assert.rejects(readIdx('/nonexistent/file.idx'), (e) => isSlipwayError(e, 'PATH_NOT_FOUND'));
});
