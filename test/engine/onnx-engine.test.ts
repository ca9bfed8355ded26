import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  averagePooling2d,
  batchNormalization,
  conv2d,
  dense,
  dropout,
  flatten,
  loadModel,
  maxPooling2d,
  saveModel,
  sequential,
  activation,
  adam,
  type Tensor,
} from '../../src/engine/index.js';
import type { Layer } from '../../src/engine/index.js';
import { exportOnnx, modelFileToOnnx } from '../../src/engine/onnx/export-onnx.js';
import { modelToFile } from '../../src/engine/index.js';
import { loadMnist } from '../../src/data/datasets/mnist.js';
import { FIXTURES, tempDir } from '../helpers/temp-workspace.js';

// The exported ONNX file, run by onnxruntime, must give what the engine's own loadModel + predict gives.

async function mnist(n: number): Promise<{ x: Tensor; y: Tensor }> {
  const m = await loadMnist({ dir: join(FIXTURES, 'mnist') });
  return {
    x: { shape: [n, 28, 28, 1], data: m.test.images.slice(0, n * 784) },
    y: { shape: [n], data: Float32Array.from(m.test.labels.subarray(0, n)) },
  };
}

function randomTensor(shape: number[], seed: number): Tensor {
  let s = seed;
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    data[i] = (s / 2147483648) * 2 - 1;
  }
  return { shape, data };
}

/** Saves, reloads with the engine, exports, runs both; returns the max abs difference and the engine output. */
async function compare(
  layers: Layer[],
  x: Tensor,
  prepare?: (m: ReturnType<typeof sequential>) => Promise<void>,
): Promise<{ diff: number; y: Tensor }> {
  const { dir, cleanup } = tempDir();
  try {
    const model = sequential(layers, { seed: 11 });
    model.build(x.shape.slice(1));
    if (prepare) await prepare(model);
    await saveModel(model, dir);
    const loaded = await loadModel(dir);
    const want = loaded.predict(x);
    const session = await ort.InferenceSession.create(await exportOnnx(dir));
    const out = await session.run({ input: new ort.Tensor('float32', x.data, x.shape) });
    const got = out.output!;
    assert.deepEqual([...got.dims], want.shape);
    const g = got.data as Float32Array;
    let diff = 0;
    for (let i = 0; i < g.length; i++) diff = Math.max(diff, Math.abs(g[i]! - want.data[i]!));
    return { diff, y: want };
  } finally {
    cleanup();
  }
}

test('the Keras MNIST CNN, briefly trained, gives the same probabilities in onnxruntime (real MNIST)', async () => {
  const { x, y } = await mnist(256);
  const layers = [
    conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
    maxPooling2d({ poolSize: 2 }),
    flatten(),
    dropout({ rate: 0.25 }),
    dense({ units: 10, activation: 'softmax' }),
  ];
  const { diff, y: probs } = await compare(layers, { shape: [64, 28, 28, 1], data: x.data.slice(0, 64 * 784) }, async (m) => {
    m.compile({ optimizer: adam({ learningRate: 0.005 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await m.fit(x, y, { epochs: 2, batchSize: 16, seed: 1, verbose: 0 });
  });
  assert.ok(diff < 1e-4, `max |onnx - engine| = ${diff}`);
  // Trained, not uniform: the check compares confident predictions, not near-constant ones.
  assert.ok(Math.max(...probs.data) > 0.5, `max probability ${Math.max(...probs.data)}`);
});

test('a dense network (breast-cancer shape) matches', async () => {
  const layers = [
    dense({ units: 16, activation: 'relu', inputShape: [30] }),
    dense({ units: 8, activation: 'tanh' }),
    dense({ units: 1, activation: 'sigmoid' }),
  ];
  const { diff } = await compare(layers, randomTensor([20, 30], 3));
  assert.ok(diff < 1e-5, `max |onnx - engine| = ${diff}`);
});

test("'same' padding with stride 2 and average pooling match", async () => {
  const layers = [
    conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', inputShape: [28, 28, 1] }),
    conv2d({ filters: 4, kernelSize: [2, 3], strides: [2, 1], padding: 'same' }),
    averagePooling2d({ poolSize: 2 }),
    flatten(),
    dense({ units: 10, activation: 'softmax' }),
  ];
  const { x } = await mnist(16);
  const { diff } = await compare(layers, x);
  assert.ok(diff < 1e-5, `max |onnx - engine| = ${diff}`);
});

test('batchNormalization with non-trivial statistics matches (after conv and after dense)', async () => {
  const layers = [
    conv2d({ filters: 5, kernelSize: 3, padding: 'same', inputShape: [12, 12, 2] }),
    batchNormalization({ epsilon: 1e-3 }),
    activation({ activation: 'relu' }),
    maxPooling2d({ poolSize: 2 }),
    flatten(),
    dense({ units: 7 }),
    batchNormalization({ epsilon: 1e-2 }),
    dense({ units: 3, activation: 'softmax' }),
  ];
  const { diff } = await compare(layers, randomTensor([6, 12, 12, 2], 5), async (m) => {
    // Random gamma/beta and moving statistics, as a trained model would have.
    const ws = m.getWeights().map((w, i) => {
      const r = randomTensor([...w.shape], 100 + i);
      return { shape: w.shape, data: r.data.map((v) => (w.shape.length === 1 ? 0.6 + Math.abs(v) : v * 0.5)) };
    });
    m.setWeights(ws);
  });
  assert.ok(diff < 1e-4, `max |onnx - engine| = ${diff}`);
});

test('modelFileToOnnx exports an in-memory model (modelToFile) without touching the disk', async () => {
  const model = sequential([dense({ units: 5, activation: 'relu', inputShape: [4] }), dense({ units: 3, activation: 'softmax' })], {
    seed: 2,
  });
  const { file, weights } = modelToFile(model);
  const session = await ort.InferenceSession.create(modelFileToOnnx(file, weights));
  const x = randomTensor([3, 4], 8);
  const got = (await session.run({ input: new ort.Tensor('float32', x.data, x.shape) })).output!.data as Float32Array;
  const want = model.predict(x).data;
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-5);
});
