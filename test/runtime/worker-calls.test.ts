import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startOnnxWorkerPool } from '../../src/runtime/onnx-worker-pool.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { tempDir } from '../helpers/temp-workspace.js';
import { tinyPredict, writeTinyOnnx } from '../serving/tiny-onnx.js';

// The ONNX pool is the worker-calls client these tests drive: real worker threads, real onnxruntime sessions.
const row = (i: number): number[] => [i, i + 1, i + 2, i + 3].map((v) => v / 10);

test('overlapping calls each get their own reply; a failed call leaves the worker usable; close fails later calls', async () => {
  const t = tempDir();
  const pool = await startOnnxWorkerPool(join(writeTinyOnnx(join(t.dir, 'm')), 'model.onnx'), { intraOpNumThreads: 1 }, ['probs'], 2);
  try {
    const outs = await Promise.all(
      Array.from({ length: 40 }, (_, i) => pool.run([{ name: 'x', type: 'float32', dims: [1, 4], data: Float32Array.from(row(i)) }])),
    );
    outs.forEach((o, i) => {
      const want = tinyPredict(row(i));
      Array.from(o[0]!.data as Float32Array).forEach((v, j) => assert.ok(Math.abs(v - want[j]!) < 1e-5, `call ${i}`));
    });

    await assert.rejects(
      pool.run([{ name: 'x', type: 'float32', dims: [1, 5], data: new Float32Array(5) }]),
      (e) => isSlipwayError(e) && e.code === 'INPUT_INVALID',
    );
    const again = await pool.run([{ name: 'x', type: 'float32', dims: [1, 4], data: Float32Array.from(row(1)) }]);
    assert.equal(again[0]!.dims[1], 3);

    await pool.close();
    await assert.rejects(
      pool.run([{ name: 'x', type: 'float32', dims: [1, 4], data: Float32Array.from(row(1)) }]),
      (e) => isSlipwayError(e) && e.code === 'SERVABLE_NOT_READY',
    );
  } finally {
    await pool.close();
    t.cleanup();
  }
});
