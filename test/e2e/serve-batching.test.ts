import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startModelServer } from '../../src/serving/index.js';
import { sequential, dense, saveModel } from '../../src/engine/index.js';
import { tempDir } from '../helpers/temp-workspace.js';
import { tinyPredict, writeTinyOnnx } from '../serving/tiny-onnx.js';

const JSON_CT = { 'content-type': 'application/json' };

test('dynamic batching: concurrent requests over two models each get their own rows back', async () => {
  const t = tempDir();
  const engineModel = sequential([dense({ units: 2, activation: 'softmax', inputShape: [4] })], { seed: 9 });
  await saveModel(engineModel, join(t.dir, 'eng'));
  const server = await startModelServer({
    models: [
      { name: 'iris', dir: writeTinyOnnx(join(t.dir, 'onnx')) },
      { name: 'eng', dir: join(t.dir, 'eng') },
    ],
    restPort: 0,
    grpcPort: null,
    batching: { maxBatchSize: 16, maxQueueDelayMs: 5 },
  });
  try {
    const base = `http://127.0.0.1:${server.restPort}`;
    const xs = Array.from({ length: 48 }, (_, i) => [i % 5, (i * 3) % 7, i / 10, 1 - i / 50]);
    const results = await Promise.all(
      xs.map(async (x, i) => {
        const model = i % 3 === 0 ? 'eng' : 'iris';
        const rows = i % 4 === 0 ? [x, x.map((v) => v + 1)] : [x];
        const r = await fetch(`${base}/v1/models/${model}:predict`, {
          method: 'POST',
          headers: JSON_CT,
          body: JSON.stringify({ instances: rows }),
        });
        return { model, rows, status: r.status, body: (await r.json()) as { predictions: number[][] } };
      }),
    );
    for (const r of results) {
      assert.equal(r.status, 200);
      assert.equal(r.body.predictions.length, r.rows.length);
      r.rows.forEach((row, j) => {
        const want =
          r.model === 'iris' ? tinyPredict(row) : Array.from(engineModel.predict({ shape: [1, 4], data: Float32Array.from(row) }).data);
        want.forEach((v, k) => assert.ok(Math.abs(v - r.body.predictions[j]![k]!) < 1e-5, `${r.model} row ${JSON.stringify(row)}`));
      });
    }
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const count = Number(/slipway_batch_size_count\{model="iris"\} (\d+)/.exec(metrics)?.[1]);
    const sum = Number(/slipway_batch_size_sum\{model="iris"\} (\d+)/.exec(metrics)?.[1]);
    assert.equal(sum, 32 + 8, 'every iris row went through the batcher');
    assert.ok(count >= 1 && count <= sum);
  } finally {
    await server.close();
    t.cleanup();
  }
});

test('graceful shutdown: requests in flight when close() is called still get their answers', async () => {
  const t = tempDir();
  // A long queue delay keeps requests in flight long enough to close the server under them.
  const server = await startModelServer({
    models: [{ name: 'iris', dir: writeTinyOnnx(join(t.dir, 'onnx')) }],
    restPort: 0,
    grpcPort: null,
    batching: { maxBatchSize: 1000, maxQueueDelayMs: 3000 },
  });
  try {
    const url = `http://127.0.0.1:${server.restPort}/v1/models/iris:predict`;
    const pending = Array.from({ length: 5 }, () =>
      fetch(url, { method: 'POST', headers: JSON_CT, body: JSON.stringify({ instances: [[1, 2, 3, 4]] }) }),
    );
    // Close only once all five wait in the batch queue (a fixed sleep raced the connections on a loaded machine).
    for (;;) {
      const m = await (await fetch(`http://127.0.0.1:${server.restPort}/metrics`)).text();
      if (/slipway_queue_depth\{model="iris"\} 5\b/.test(m)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const closed = server.close();
    const answers = await Promise.all(pending);
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200, 200, 200, 200],
    );
    await closed;
    await assert.rejects(fetch(url, { method: 'POST', body: '{}' }));
  } finally {
    await server.close();
    t.cleanup();
  }
});
