import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import {
  batchNormalization,
  conv2d,
  dense,
  dropout,
  flatten,
  maxPooling2d,
  saveModel,
  sequential,
  tensor,
  type Model,
} from '../../src/engine/index.js';
import { writeOnnx } from '../../src/engine/onnx/export-onnx.js';
import { readIdxSync } from '../../src/data/index.js';
import { SlipwayError } from '../../src/errors/index.js';
import { encodePng, explainModel, inputGradients, integratedGradients, kernelShap, loadExplainable } from '../../src/explain/index.js';
import { cli } from '../helpers/cli.js';
import { FIXTURES, tempDir } from '../helpers/temp-workspace.js';

const MNIST = join(FIXTURES, 'mnist');

function mnist(n: number): { x: Float32Array; y: Float32Array } {
  const imgs = readIdxSync(join(MNIST, 't10k-images-idx3-ubyte.gz'));
  const labels = readIdxSync(join(MNIST, 't10k-labels-idx1-ubyte.gz'));
  return {
    x: Float32Array.from(imgs.data.subarray(0, n * 784) as ArrayLike<number>, (v) => v / 255),
    y: Float32Array.from(labels.data.subarray(0, n) as ArrayLike<number>),
  };
}

let cnn: Model | undefined;
/** A small CNN trained for one epoch on 1,000 fixture digits (seeded). */
async function trainedCnn(): Promise<Model> {
  if (cnn) return cnn;
  const { x, y } = mnist(1000);
  const m = sequential(
    [
      conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      maxPooling2d({ poolSize: 2 }),
      flatten(),
      dense({ units: 10, activation: 'softmax' }),
    ],
    { seed: 3 },
  );
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  await m.fit(tensor(x, [1000, 28, 28, 1]), tensor(y, [1000]), { epochs: 2, batchSize: 50, seed: 3 });
  return (cnn = m);
}

test('input gradients are exact: they match central finite differences (dense, batch norm, dropout, softmax)', () => {
  const m = sequential(
    [
      dense({ units: 6, activation: 'tanh', inputShape: [4] }),
      batchNormalization({}),
      dropout({ rate: 0.5 }),
      dense({ units: 3, activation: 'softmax' }),
    ],
    { seed: 5 },
  );
  // Non-trivial moving statistics, as after training.
  const bn = m.layers[1]!.params;
  bn[2]!.value.set([0.1, -0.2, 0.3, 0, 0.05, -0.1]);
  bn[3]!.value.set([0.5, 2, 1.5, 1, 0.8, 1.2]);
  const x = Float32Array.from([0.3, -1.2, 0.8, 0.5]);
  const { gradients } = inputGradients(m, x, 1, 2);
  const f = (v: Float32Array): number => m.predict(tensor(v, [1, 4])).data[2]!;
  for (let i = 0; i < 4; i++) {
    const h = 1e-2;
    const up = x.slice();
    const down = x.slice();
    up[i] = up[i]! + h;
    down[i] = down[i]! - h;
    const fd = (f(up) - f(down)) / (2 * h);
    assert.ok(Math.abs(gradients[i]! - fd) <= 2e-3 * Math.max(1e-3, Math.abs(fd)) + 2e-4, `∂f/∂x${i}: autograd ${gradients[i]} vs ${fd}`);
  }
});

test('integrated gradients on an MNIST digit: attributions sum to f(x) − f(baseline) within 1 %', async () => {
  const m = await trainedCnn();
  const { x, y } = mnist(3);
  for (let k = 0; k < 3; k++) {
    const a = integratedGradients(m, x.slice(k * 784, (k + 1) * 784), { steps: 50 });
    assert.equal(a.target, a.output.indexOf(Math.max(...a.output)));
    const delta = a.value - a.baselineValue;
    assert.ok(Math.abs(a.completenessGap) <= 0.01 * Math.abs(delta), `digit ${y[k]}: gap ${a.completenessGap} of ${delta}`);
    // Pixels that are black in the digit and the baseline get nothing: (x − x′) = 0.
    for (let i = 0; i < 784; i++) if (x[k * 784 + i] === 0) assert.equal(Math.abs(a.attributions[i]!), 0);
  }
  const wrong = await explainModel(
    {
      format: 'slipway',
      rowShape: [28, 28, 1],
      classLabels: undefined,
      engine: m,
      predict: async () => new Float32Array(),
      close: async () => undefined,
    },
    x.slice(0, 784),
    1,
    { target: 12 },
  ).catch((e: unknown) => e);
  assert.ok(wrong instanceof SlipwayError && wrong.code === 'EXPLAIN_INVALID');
});

test('KernelSHAP: exact Shapley values of a linear model when coalitions are enumerated; seeded sampling otherwise', async () => {
  const m = sequential([dense({ units: 1, activation: 'linear', inputShape: [5] })], { seed: 2 });
  const w = m.layers[0]!.params[0]!.value;
  const predict = async (rows: Float32Array, n: number): Promise<Float32Array> => m.predict(tensor(rows, [n, 5])).data;
  const x = Float32Array.from([1, -2, 0.5, 3, -1]);
  const b = Float32Array.from([0.2, 0.1, -0.3, 1, 0]);
  const a = await kernelShap(predict, x, { baseline: b, target: 0 });
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(a.attributions[i]! - w[i]! * (x[i]! - b[i]!)) < 1e-5, `φ${i}`);
  assert.ok(Math.abs(a.completenessGap) < 1e-5);
  // 30 features: sampled, seeded, efficiency exact.
  const wide = sequential([dense({ units: 2, activation: 'softmax', inputShape: [30] })], { seed: 4 });
  const p30 = async (rows: Float32Array, n: number): Promise<Float32Array> => wide.predict(tensor(rows, [n, 30])).data;
  const x30 = Float32Array.from({ length: 30 }, (_, i) => Math.sin(i));
  const s1 = await kernelShap(p30, x30, { samples: 512, seed: 9 });
  const s2 = await kernelShap(p30, x30, { samples: 512, seed: 9 });
  const s3 = await kernelShap(p30, x30, { samples: 512, seed: 10 });
  assert.deepEqual(s1.attributions, s2.attributions);
  assert.notDeepEqual(s1.attributions, s3.attributions);
  assert.ok(Math.abs(s1.completenessGap) < 1e-5);
});

test('an ONNX model: KernelSHAP through onnxruntime agrees with the engine; integrated gradients are refused', async () => {
  const t = tempDir();
  try {
    const m = sequential([dense({ units: 8, activation: 'relu', inputShape: [6] }), dense({ units: 2, activation: 'softmax' })], {
      seed: 8,
    });
    m.build([6]);
    await saveModel(m, join(t.dir, 'engine'));
    mkdirSync(join(t.dir, 'onnx'));
    await writeOnnx(join(t.dir, 'engine'), join(t.dir, 'onnx', 'model.onnx'));
    copyFileSync(join(t.dir, 'engine', 'signature.json'), join(t.dir, 'onnx', 'signature.json'));
    const x = Float32Array.from([0.5, -1, 2, 0.1, -0.3, 1.5]);
    const eng = await loadExplainable(join(t.dir, 'engine'));
    const onnx = await loadExplainable(join(t.dir, 'onnx'));
    try {
      assert.equal(onnx.format, 'onnx');
      const [e] = await explainModel(eng, x, 1, { method: 'kernel_shap' });
      const [o] = await explainModel(onnx, x, 1);
      assert.equal(o!.method, 'kernel_shap');
      for (let i = 0; i < 6; i++) assert.ok(Math.abs(o!.attributions[i]! - e!.attributions[i]!) < 1e-4, `feature ${i}`);
      const refused = await explainModel(onnx, x, 1, { method: 'integrated_gradients' }).catch((err: unknown) => err);
      assert.ok(refused instanceof SlipwayError && refused.code === 'EXPLAIN_UNSUPPORTED');
    } finally {
      await onnx.close();
    }
  } finally {
    t.cleanup();
  }
});

test('PNG encoder: a valid file whose pixels read back', () => {
  const rgb = Uint8Array.from({ length: 3 * 4 * 3 }, (_, i) => (i * 37) % 256);
  const png = encodePng(4, 3, rgb);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.readUInt32BE(16), 4);
  assert.equal(png.readUInt32BE(20), 3);
  const idatLen = png.readUInt32BE(33);
  assert.equal(png.subarray(37, 41).toString('ascii'), 'IDAT');
  const raw = inflateSync(png.subarray(41, 41 + idatLen));
  for (let y = 0; y < 3; y++) {
    assert.equal(raw[y * 13], 0);
    assert.deepEqual([...raw.subarray(y * 13 + 1, y * 13 + 13)], [...rgb.subarray(y * 12, y * 12 + 12)]);
  }
  assert.equal(png.subarray(png.length - 8, png.length - 4).toString('ascii'), 'IEND');
});

test('slipway explain: a CSV row with names and an SVG chart; an MNIST image with a saliency PNG; JSON', async () => {
  const t = tempDir();
  try {
    const m = await trainedCnn();
    await saveModel(m, join(t.dir, 'digits'));
    const png = cli(['explain', 'digits', join(MNIST, 't10k-images-idx3-ubyte.gz'), '--row', '0', '--png', 'why.png', '--json'], {
      cwd: t.dir,
    });
    assert.equal(png.code, 0, png.stderr);
    const e = JSON.parse(png.stdout);
    assert.equal(e.method, 'integrated_gradients');
    assert.equal(e.attributions.length, 784);
    const img = readFileSync(join(t.dir, 'why.png'));
    assert.equal(img.readUInt32BE(16), 224);
    const tab = sequential([dense({ units: 4, activation: 'relu', inputShape: [4] }), dense({ units: 3, activation: 'softmax' })], {
      seed: 1,
    });
    tab.build([4]);
    tab.classLabels = ['setosa', 'versicolor', 'virginica'];
    await saveModel(tab, join(t.dir, 'iris'));
    const csv = 'sepal length,sepal width,petal length,petal width,target\n5.1,3.5,1.4,0.2,0\n6.2,2.9,4.3,1.3,1\n7.7,3.0,6.1,2.3,2\n';
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(t.dir, 'iris.csv'), csv);
    const svg = cli(['explain', 'iris', 'iris.csv', '--row', '2', '--svg', 'why.svg'], { cwd: t.dir });
    assert.equal(svg.code, 0, svg.stderr);
    assert.match(svg.stdout, /petal length/);
    assert.match(readFileSync(join(t.dir, 'why.svg'), 'utf8'), /^<svg[^>]*>.*petal width = 2\.3/s);
    const bad = cli(['explain', 'iris', '[1, 2, 3]'], { cwd: t.dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /EXPLAIN_INVALID/);
  } finally {
    t.cleanup();
  }
});
