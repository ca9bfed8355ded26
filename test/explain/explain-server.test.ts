import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { dense, saveModel, sequential } from '../../src/engine/index.js';
import { startModelServer } from '../../src/serving/index.js';
import { tempDir } from '../helpers/temp-workspace.js';
import { writeTinyOnnx } from '../serving/tiny-onnx.js';

test('POST /v1/models/{m}:explain (KServe V1): integrated gradients for engine models, KernelSHAP for ONNX', async () => {
  const t = tempDir();
  const m = sequential([dense({ units: 8, activation: 'relu', inputShape: [4] }), dense({ units: 3, activation: 'softmax' })], { seed: 6 });
  m.build([4]);
  m.classLabels = ['setosa', 'versicolor', 'virginica'];
  await saveModel(m, join(t.dir, 'engine'));
  const server = await startModelServer({
    models: [
      { name: 'flowers', dir: join(t.dir, 'engine') },
      { name: 'tiny', dir: writeTinyOnnx(join(t.dir, 'onnx')) },
    ],
    restPort: 0,
    grpcPort: null,
  });
  const post = async (path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`http://127.0.0.1:${server.restPort}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  try {
    const row = [5.1, 3.5, 1.4, 0.2];
    const ig = await post('/v1/models/flowers:explain', { instances: [row, [6.7, 3.0, 5.2, 2.3]] });
    assert.equal(ig.status, 200, JSON.stringify(ig.json));
    const ex = ig.json.explanations as {
      method: string;
      label: string;
      attributions: number[];
      value: number;
      baselineValue: number;
      completenessGap: number;
    }[];
    assert.equal(ex.length, 2);
    assert.equal(ex[0]!.method, 'integrated_gradients');
    assert.ok(['setosa', 'versicolor', 'virginica'].includes(ex[0]!.label));
    const sum = ex[0]!.attributions.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - (ex[0]!.value - ex[0]!.baselineValue)) <= 0.01 * Math.abs(ex[0]!.value - ex[0]!.baselineValue) + 1e-6);
    const shap = await post('/v1/models/tiny:explain', { instances: [row], seed: 1 });
    assert.equal(shap.status, 200, JSON.stringify(shap.json));
    assert.equal((shap.json.explanations as { method: string }[])[0]!.method, 'kernel_shap');
    const refused = await post('/v1/models/tiny:explain', { instances: [row], method: 'integrated_gradients' });
    assert.equal(refused.status, 400);
    assert.match(String(refused.json.error), /kernel_shap/);
    const bad = await post('/v1/models/flowers:explain', { instances: [[1, 2, 3]] });
    assert.equal(bad.status, 400);
    const missing = await post('/v1/models/nope:explain', { instances: [row] });
    assert.equal(missing.status, 404);
  } finally {
    await server.close();
    t.cleanup();
  }
});
