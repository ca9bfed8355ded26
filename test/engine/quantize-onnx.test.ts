import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadMnist } from '../../src/data/datasets/mnist.js';
import { quantizeOnnx } from '../../src/engine/onnx/quantize-onnx.js';
import { onnxModelType } from '../../src/engine/onnx/onnx-schema.js';
import { exportOnnx } from '../../src/engine/onnx/export-onnx.js';
import { conv2d, dense, flatten, maxPooling2d, saveModel, sequential } from '../../src/engine/index.js';
import { FIXTURES, tempDir } from '../helpers/temp-workspace.js';

// int8 QDQ quantisation of a model trained elsewhere (the PyTorch CNN fixture) on real MNIST: file ≤ 30 % of fp32,
// accuracy on the last 2,000 t10k images within 0.5 points, int8 weights per channel, and clear errors.

const FP32 = readFileSync(join(FIXTURES, 'onnx', 'torch-mnist-cnn.onnx'));

async function accuracy(bytes: Uint8Array, images: Float32Array, labels: Int32Array): Promise<number> {
  const s = await ort.InferenceSession.create(bytes);
  const n = labels.length;
  const out = await s.run({ image: new ort.Tensor('float32', images, [n, 1, 28, 28]) });
  await s.release();
  const p = out.probabilities!.data as Float32Array;
  let ok = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < 10; k++) if (p[i * 10 + k]! > p[i * 10 + best]!) best = k;
    if (best === labels[i]) ok++;
  }
  return ok / n;
}

test('quantize: the PyTorch CNN in int8 QDQ keeps its accuracy within 0.5 points at ≤ 30 % of the size', async () => {
  const { test: t10k } = await loadMnist({ dir: join(FIXTURES, 'mnist') });
  const img = (from: number, n: number): Float32Array => t10k.images.subarray(from * 784, (from + n) * 784);
  // Calibrate on training images (the first 8,000), evaluate on the held-out last 2,000.
  const batches = Array.from({ length: 8 }, (_, b) => ({ image: { dims: [32, 1, 28, 28], data: img(b * 32, 32) } }));
  const q = await quantizeOnnx(FP32, batches);
  assert.equal(q.calibrationBatches, 8);
  assert.deepEqual(q.quantizedNodes.length, 3, 'two Conv and the Gemm');
  assert.ok(q.bytes.length <= 0.3 * FP32.length, `${q.bytes.length} bytes vs ${FP32.length}`);
  const graph = (
    onnxModelType().toObject(onnxModelType().decode(q.bytes), { arrays: true }) as {
      graph: { node: { opType: string }[]; initializer: { dataType: number; dims: unknown[] }[] };
    }
  ).graph;
  assert.ok(graph.node.filter((n) => n.opType === 'QuantizeLinear').length >= 4);
  assert.equal(graph.initializer.filter((t) => t.dataType === 1 && t.dims.length >= 2).length, 0, 'no fp32 weight matrix is left');
  const labels = t10k.labels.subarray(8000, 10000);
  const fp = await accuracy(FP32, img(8000, 2000), labels);
  const int8 = await accuracy(q.bytes, img(8000, 2000), labels);
  assert.ok(fp > 0.9, `fp32 accuracy ${fp}`);
  assert.ok(fp - int8 <= 0.005, `fp32 ${fp}, int8 ${int8}`);
});

test('quantize: an engine-exported CNN quantises and agrees with its fp32 version on most samples', async () => {
  const t = tempDir();
  try {
    const m = sequential(
      [
        conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
        maxPooling2d({ poolSize: 2 }),
        flatten(),
        dense({ units: 10 }),
      ],
      { seed: 2 },
    );
    await saveModel(m, join(t.dir, 'm'));
    const fp = await exportOnnx(join(t.dir, 'm'));
    const s0 = await ort.InferenceSession.create(fp);
    const name = s0.inputNames[0]!;
    const { test: t10k } = await loadMnist({ dir: join(FIXTURES, 'mnist') });
    const x = t10k.images.subarray(0, 64 * 784);
    const q = await quantizeOnnx(fp, [{ [name]: { dims: [64, 28, 28, 1], data: x } }]);
    const s1 = await ort.InferenceSession.create(q.bytes);
    const feeds = { [name]: new ort.Tensor('float32', x, [64, 28, 28, 1]) };
    const a = (await s0.run(feeds))[s0.outputNames[0]!]!.data as Float32Array;
    const b = (await s1.run(feeds))[s1.outputNames[0]!]!.data as Float32Array;
    const argmax = (d: Float32Array, i: number): number =>
      d.subarray(i * 10, i * 10 + 10).reduce((best, v, k, row) => (v > row[best]! ? k : best), 0);
    let same = 0;
    for (let i = 0; i < 64; i++) if (argmax(a, i) === argmax(b, i)) same++;
    assert.ok(same >= 60, `${same}/64 predictions agree`);
  } finally {
    t.cleanup();
  }
});

test('quantize: an op it cannot handle is QUANTIZE_UNSUPPORTED naming the op; no calibration data is USAGE', async () => {
  const type = onnxModelType();
  const vi = (name: string) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 4 }] } } } });
  const model = type
    .encode(
      type.fromObject({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 13 }],
        graph: {
          name: 'g',
          node: [{ opType: 'Erf', input: ['x'], output: ['y'], name: 'erf' }],
          input: [vi('x')],
          output: [vi('y')],
        },
      }),
    )
    .finish();
  await assert.rejects(quantizeOnnx(model, [{ x: { dims: [1, 4], data: new Float32Array(4) } }]), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'QUANTIZE_UNSUPPORTED');
    assert.match(e.message, /Erf/);
    return true;
  });
  await assert.rejects(quantizeOnnx(FP32, []), { code: 'USAGE' });
});
