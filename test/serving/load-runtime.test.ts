import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { loadModelRuntime } from '../../src/serving/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { sequential, conv2d, maxPooling2d, flatten, dense, saveModel } from '../../src/engine/index.js';
import { tempDir } from '../helpers/temp-workspace.js';
import { tinyPredict, writeTinyOnnx, TINY_SIGNATURE } from './tiny-onnx.js';

test('ONNX runtime: signature from the graph when there is no signature.json, predictions match', async () => {
  const t = tempDir();
  try {
    const rt = await loadModelRuntime(writeTinyOnnx(join(t.dir, 'm'), { signature: false }));
    assert.equal(rt.format, 'onnx');
    assert.deepEqual(rt.signature.inputs, [{ name: 'x', dtype: 'FP32', shape: [-1, 4] }]);
    assert.deepEqual(rt.signature.outputs, [{ name: 'probs', dtype: 'FP32', shape: [-1, 3] }]);
    const out = await rt.predict({ x: { dtype: 'FP32', shape: [2, 4], data: new Float32Array([1, 2, 3, 4, 4, 3, 2, 1]) } });
    const p = Array.from(out.probs!.data as Float32Array);
    tinyPredict([4, 3, 2, 1]).forEach((v, i) => assert.ok(Math.abs(v - p[3 + i]!) < 1e-5));
    await rt.close();
    const withSig = await loadModelRuntime(writeTinyOnnx(join(t.dir, 'm2')));
    assert.deepEqual(withSig.signature.classLabels, TINY_SIGNATURE.classLabels);
    await withSig.close();
  } finally {
    t.cleanup();
  }
});

test('a corrupt model, a signature naming inputs the graph lacks, or an empty folder fails to load with a code', async () => {
  const t = tempDir({ 'bad/model.onnx': 'not an onnx file', 'empty/readme.txt': 'x', 'badjson/model.json': '{' });
  try {
    await assert.rejects(loadModelRuntime(join(t.dir, 'bad')), (e) => isSlipwayError(e, 'MODEL_LOAD_FAILED'));
    await assert.rejects(loadModelRuntime(join(t.dir, 'empty')), (e) => isSlipwayError(e, 'RUNTIME_UNSUPPORTED'));
    await assert.rejects(loadModelRuntime(join(t.dir, 'badjson')), (e) => isSlipwayError(e, 'MODEL_LOAD_FAILED'));
    const dir = writeTinyOnnx(join(t.dir, 'mismatch'));
    writeFileSync(
      join(dir, 'signature.json'),
      JSON.stringify({ ...TINY_SIGNATURE, inputs: [{ name: 'pixels', dtype: 'FP32', shape: [-1, 4] }] }),
    );
    await assert.rejects(loadModelRuntime(dir), (e) => isSlipwayError(e, 'MODEL_LOAD_FAILED'));
  } finally {
    t.cleanup();
  }
});

test('engine runtime: inline (tiny model) and worker thread (CNN) both match model.predict', async () => {
  const t = tempDir();
  try {
    const tiny = sequential([dense({ units: 3, activation: 'softmax', inputShape: [4] })], { seed: 3 });
    const tinyDir = join(t.dir, 'tiny');
    await saveModel(tiny, tinyDir);
    const cnn = sequential(
      [
        conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
        maxPooling2d({ poolSize: 2 }),
        flatten(),
        dense({ units: 10, activation: 'softmax' }),
      ],
      { seed: 4 },
    );
    const cnnDir = join(t.dir, 'cnn');
    await saveModel(cnn, cnnDir);
    for (const [model, dir, shape, opts] of [
      [tiny, tinyDir, [2, 4], {}],
      [cnn, cnnDir, [2, 28, 28, 1], { inlineMaxWeightBytes: 0 }],
    ] as const) {
      const rt = await loadModelRuntime(dir, opts);
      assert.equal(rt.format, 'slipway');
      const n = (shape as readonly number[]).reduce((a, b) => a * b, 1);
      const x = new Float32Array(n).map((_, i) => ((i * 7) % 13) / 13);
      const name = rt.signature.inputs[0]!.name;
      const [a, b] = await Promise.all([
        rt.predict({ [name]: { dtype: 'FP32', shape, data: x } }),
        rt.predict({ [name]: { dtype: 'FP32', shape, data: x } }),
      ]);
      const want = model.predict({ shape, data: x });
      const got = Object.values(a)[0]!;
      assert.deepEqual(got.shape, want.shape);
      Array.from(want.data).forEach((v, i) => assert.ok(Math.abs(v - (got.data as Float32Array)[i]!) < 1e-5));
      assert.deepEqual(Array.from(Object.values(b)[0]!.data as Float32Array), Array.from(got.data as Float32Array));
      await rt.close();
    }
  } finally {
    t.cleanup();
  }
});
