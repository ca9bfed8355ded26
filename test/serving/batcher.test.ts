import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchingPredict } from '../../src/serving/batcher.js';
import type { ModelRuntime, TensorData } from '../../src/serving/index.js';

/** A runtime that doubles its input and records each call's batch size. */
function doubler(calls: number[], failOn?: number): ModelRuntime {
  return {
    format: 'onnx',
    signature: { inputs: [{ name: 'x', dtype: 'FP32', shape: [-1, 2] }], outputs: [{ name: 'y', dtype: 'FP32', shape: [-1, 2] }] },
    async predict(inputs) {
      const x = inputs.x!;
      calls.push(x.shape[0]!);
      if (failOn !== undefined && Array.from(x.data as Float32Array).includes(failOn)) throw new Error('bad row');
      await new Promise((r) => setTimeout(r, 2));
      return { y: { dtype: 'FP32', shape: [...x.shape], data: (x.data as Float32Array).map((v) => v * 2) } };
    },
    async close() {},
  };
}

const req = (a: number, rows = 1): Record<string, TensorData> => ({
  x: { dtype: 'FP32', shape: [rows, 2], data: new Float32Array(Array.from({ length: rows * 2 }, (_, i) => a + i)) },
});

test('concurrent requests are merged into batches and each gets its own rows back', async () => {
  const calls: number[] = [];
  const sizes: number[] = [];
  const predict = batchingPredict(
    doubler(calls),
    { maxBatchSize: 8, maxQueueDelayMs: 20 },
    { batch: (n) => sizes.push(n), queueDepth: () => undefined },
  );
  const outs = await Promise.all(Array.from({ length: 20 }, (_, i) => predict(req(i * 10, 1 + (i % 2)))));
  outs.forEach((o, i) => {
    const rows = 1 + (i % 2);
    assert.deepEqual(o.y!.shape, [rows, 2]);
    assert.deepEqual(
      Array.from(o.y!.data as Float32Array),
      Array.from({ length: rows * 2 }, (_, k) => (i * 10 + k) * 2),
    );
  });
  assert.ok(calls.length < 20, `expected fewer runtime calls than requests, got ${calls.length}`);
  assert.ok(calls.every((c) => c <= 8));
  assert.equal(
    sizes.reduce((a, b) => a + b, 0),
    30,
  );
});

test('a bad request in a batch fails alone; the others still get answers', async () => {
  const calls: number[] = [];
  const predict = batchingPredict(doubler(calls, 666), { maxBatchSize: 16, maxQueueDelayMs: 10 });
  const results = await Promise.allSettled([predict(req(1)), predict(req(666)), predict(req(5))]);
  assert.equal(results[0]!.status, 'fulfilled');
  assert.equal(results[1]!.status, 'rejected');
  assert.equal(results[2]!.status, 'fulfilled');
  assert.deepEqual(Array.from((results[2] as PromiseFulfilledResult<Record<string, TensorData>>).value.y!.data as Float32Array), [10, 12]);
});

test('a lone request runs after at most the queue delay', async () => {
  const calls: number[] = [];
  const predict = batchingPredict(doubler(calls), { maxBatchSize: 64, maxQueueDelayMs: 5 });
  const out = await predict(req(3));
  assert.deepEqual(Array.from(out.y!.data as Float32Array), [6, 8]);
  assert.deepEqual(calls, [1]);
});
