import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { exportOnnx, writeOnnx, ONNX_OPSET } from '../../src/engine/onnx/export-onnx.js';
import { onnxModelType } from '../../src/engine/onnx/onnx-schema.js';
import { readIdx } from '../../src/data/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import type { LayerFile, ModelFile } from '../../src/engine/model-format.js';
import { FIXTURES, tempDir } from '../helpers/temp-workspace.js';
import { createRng } from '../../src/engine/random.js';

// Hand-written model folders (model.json + weights.bin) with seeded random weights, run through onnxruntime and
// through an independent NHWC forward pass written here, so the exporter is checked against the Keras semantics
// themselves rather than against its own assumptions.

type Spec = { type: string; config?: Record<string, unknown>; name?: string };
type Tensor = { shape: number[]; data: Float32Array };

/** The engine's seeded PRNG (mulberry32), as a plain function. */
const rng = (seed: number): (() => number) => createRng(seed).next;

function pairOf(v: unknown, d: number): [number, number] {
  return typeof v === 'number' ? [v, v] : Array.isArray(v) ? [v[0] as number, v[1] as number] : [d, d];
}

function outSize(n: number, k: number, s: number, padding: unknown): number {
  return padding === 'same' ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1;
}

/** Writes model.json + weights.bin + signature.json for a sequential spec; returns the dir's ModelFile. */
function writeModel(dir: string, inputShape: number[], specs: Spec[], seed: number): ModelFile {
  const r = rng(seed);
  const floats: number[] = [];
  let shape = inputShape;
  const layers: LayerFile[] = specs.map((s, li) => {
    const config = s.config ?? {};
    const weights: { name: string; shape: number[]; offset: number; length: number }[] = [];
    const add = (name: string, wshape: number[], gen: () => number): void => {
      const length = wshape.reduce((a, b) => a * b, 1);
      weights.push({ name, shape: wshape, offset: floats.length, length });
      for (let i = 0; i < length; i++) floats.push(gen());
    };
    const uni = (scale: number) => () => (r() * 2 - 1) * scale;
    if (s.type === 'dense') {
      const inF = shape[shape.length - 1]!;
      const units = config.units as number;
      add('kernel', [inF, units], uni(Math.sqrt(6 / (inF + units))));
      if (config.useBias !== false) add('bias', [units], uni(0.1));
      shape = [...shape.slice(0, -1), units];
    } else if (s.type === 'conv2d') {
      const [kh, kw] = pairOf(config.kernelSize, 3);
      const [sh, sw] = pairOf(config.strides, 1);
      const c = shape[2]!;
      const f = config.filters as number;
      add('kernel', [kh, kw, c, f], uni(Math.sqrt(6 / (kh * kw * (c + f)))));
      add('bias', [f], uni(0.1));
      shape = [outSize(shape[0]!, kh, sh, config.padding), outSize(shape[1]!, kw, sw, config.padding), f];
    } else if (s.type === 'maxPooling2d' || s.type === 'averagePooling2d') {
      const [ph, pw] = pairOf(config.poolSize, 2);
      const [sh, sw] = pairOf(config.strides ?? config.poolSize, 2);
      shape = [outSize(shape[0]!, ph, sh, config.padding), outSize(shape[1]!, pw, sw, config.padding), shape[2]!];
    } else if (s.type === 'flatten') {
      shape = [shape.reduce((a, b) => a * b, 1)];
    } else if (s.type === 'batchNormalization') {
      const c = shape[shape.length - 1]!;
      add('gamma', [c], () => 0.5 + r());
      add('beta', [c], uni(0.5));
      add('movingMean', [c], uni(0.5));
      add('movingVariance', [c], () => 0.2 + r());
    }
    return { type: s.type, name: s.name ?? `${s.type}_${li + 1}`, config, outputShape: [...shape], weights };
  });
  const signature = {
    inputs: [{ name: 'input', dtype: 'FP32' as const, shape: [-1, ...inputShape] }],
    outputs: [{ name: 'output', dtype: 'FP32' as const, shape: [-1, ...shape] }],
  };
  const model: ModelFile = { format: 'slipway-sequential', formatVersion: 1, inputShape, layers, signature };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.json'), JSON.stringify(model));
  const buf = Buffer.alloc(floats.length * 4);
  floats.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  writeFileSync(join(dir, 'weights.bin'), buf);
  writeFileSync(join(dir, 'signature.json'), JSON.stringify(signature));
  return model;
}

/** The independent forward pass: Keras semantics on NHWC float32 tensors. */
function forward(model: ModelFile, weightsBin: Float32Array, x: Tensor): Tensor {
  let t = x;
  for (const layer of model.layers) {
    const c = layer.config;
    const w = (i: number): Float32Array =>
      weightsBin.subarray(layer.weights[i]!.offset, layer.weights[i]!.offset + layer.weights[i]!.length);
    const n = t.shape[0]!;
    if (layer.type === 'dense') {
      const inF = t.shape[t.shape.length - 1]!;
      const units = c.units as number;
      const rows = t.data.length / inF;
      const k = w(0);
      const out = new Float32Array(rows * units);
      for (let i = 0; i < rows; i++)
        for (let u = 0; u < units; u++) {
          let s = c.useBias === false ? 0 : w(1)[u]!;
          for (let j = 0; j < inF; j++) s += t.data[i * inF + j]! * k[j * units + u]!;
          out[i * units + u] = s;
        }
      t = { shape: [...t.shape.slice(0, -1), units], data: out };
    } else if (layer.type === 'conv2d' || layer.type === 'maxPooling2d' || layer.type === 'averagePooling2d') {
      const conv = layer.type === 'conv2d';
      const [H, W, C] = [t.shape[1]!, t.shape[2]!, t.shape[3]!];
      const [kh, kw] = conv ? pairOf(c.kernelSize, 3) : pairOf(c.poolSize, 2);
      const [sh, sw] = conv ? pairOf(c.strides, 1) : pairOf(c.strides ?? c.poolSize, 2);
      const oh = outSize(H, kh, sh, c.padding);
      const ow = outSize(W, kw, sw, c.padding);
      const padT = c.padding === 'same' ? Math.floor(Math.max((oh - 1) * sh + kh - H, 0) / 2) : 0;
      const padL = c.padding === 'same' ? Math.floor(Math.max((ow - 1) * sw + kw - W, 0) / 2) : 0;
      const F = conv ? (c.filters as number) : C;
      const out = new Float32Array(n * oh * ow * F);
      for (let b = 0; b < n; b++)
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++)
            for (let f = 0; f < F; f++) {
              let acc = conv ? w(1)[f]! : layer.type === 'maxPooling2d' ? -Infinity : 0;
              let count = 0;
              for (let i = 0; i < kh; i++)
                for (let j = 0; j < kw; j++) {
                  const y = oy * sh + i - padT;
                  const xx = ox * sw + j - padL;
                  if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
                  count++;
                  if (conv) {
                    for (let ch = 0; ch < C; ch++) acc += t.data[((b * H + y) * W + xx) * C + ch]! * w(0)[((i * kw + j) * C + ch) * F + f]!;
                  } else {
                    const v = t.data[((b * H + y) * W + xx) * C + f]!;
                    acc = layer.type === 'maxPooling2d' ? Math.max(acc, v) : acc + v;
                  }
                }
              out[((b * oh + oy) * ow + ox) * F + f] = layer.type === 'averagePooling2d' ? acc / count : acc;
            }
      t = { shape: [n, oh, ow, F], data: out };
    } else if (layer.type === 'flatten') {
      t = { shape: [n, t.data.length / n], data: t.data };
    } else if (layer.type === 'batchNormalization') {
      const C = t.shape[t.shape.length - 1]!;
      const eps = (c.epsilon as number | undefined) ?? 1e-3;
      const out = new Float32Array(t.data.length);
      for (let i = 0; i < t.data.length; i++) {
        const ch = i % C;
        out[i] = ((t.data[i]! - w(2)[ch]!) / Math.sqrt(w(3)[ch]! + eps)) * w(0)[ch]! + w(1)[ch]!;
      }
      t = { shape: t.shape, data: out };
    }
    const act = c.activation as string | undefined;
    if (act === 'relu') t.data.forEach((v, i) => (t.data[i] = Math.max(0, v)));
    if (act === 'sigmoid') t.data.forEach((v, i) => (t.data[i] = 1 / (1 + Math.exp(-v))));
    if (act === 'tanh') t.data.forEach((v, i) => (t.data[i] = Math.tanh(v)));
    if (act === 'softmax') {
      const C = t.shape[t.shape.length - 1]!;
      for (let r = 0; r < t.data.length; r += C) {
        const row = t.data.subarray(r, r + C);
        const m = Math.max(...row);
        let s = 0;
        row.forEach((v, i) => (s += row[i] = Math.exp(v - m)));
        row.forEach((v, i) => (row[i] = v / s));
      }
    }
  }
  return t;
}

function readWeights(dir: string): Float32Array {
  const b = readFileSync(join(dir, 'weights.bin'));
  const f = new Float32Array(b.length / 4);
  for (let i = 0; i < f.length; i++) f[i] = b.readFloatLE(i * 4);
  return f;
}

async function runOnnx(bytes: Uint8Array, x: Tensor): Promise<Tensor> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x.data, x.shape) });
  const y = out[session.outputNames[0]!]!;
  return { shape: [...y.dims], data: y.data as Float32Array };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

let mnistCache: Tensor | undefined;
/** The first `n` real MNIST test images as [n, 28, 28, 1] in [0, 1]. */
async function mnistImages(n: number): Promise<Tensor> {
  mnistCache ??= await (async () => {
    const idx = await readIdx(join(FIXTURES, 'mnist', 't10k-images-idx3-ubyte.gz'));
    const data = new Float32Array(64 * 784);
    for (let i = 0; i < data.length; i++) data[i] = idx.data[i]! / 255;
    return { shape: [64, 28, 28, 1], data };
  })();
  return { shape: [n, 28, 28, 1], data: mnistCache.data.slice(0, n * 784) };
}

function randomInput(shape: number[], seed: number): Tensor {
  const r = rng(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = r() * 2 - 1;
  return { shape, data };
}

async function checkAgainstReference(inputShape: number[], specs: Spec[], x: Tensor, tol: number): Promise<Tensor> {
  const { dir, cleanup } = tempDir();
  try {
    const model = writeModel(dir, inputShape, specs, 42);
    const bytes = await exportOnnx(dir);
    const got = await runOnnx(bytes, x);
    const want = forward(model, readWeights(dir), { shape: x.shape, data: x.data.slice() });
    assert.deepEqual(got.shape, want.shape);
    const diff = maxAbsDiff(got.data, want.data);
    assert.ok(diff < tol, `max |onnx - reference| = ${diff}`);
    return got;
  } finally {
    cleanup();
  }
}

const CNN: Spec[] = [
  { type: 'conv2d', config: { filters: 8, kernelSize: [3, 3], strides: [1, 1], padding: 'valid', activation: 'relu', useBias: true } },
  { type: 'maxPooling2d', config: { poolSize: [2, 2], strides: [2, 2], padding: 'valid' } },
  { type: 'conv2d', config: { filters: 16, kernelSize: [3, 3], strides: [1, 1], padding: 'valid', activation: 'relu', useBias: true } },
  { type: 'maxPooling2d', config: { poolSize: [2, 2], strides: [2, 2], padding: 'valid' } },
  { type: 'flatten', config: {} },
  { type: 'dropout', config: { rate: 0.5 } },
  { type: 'dense', config: { units: 10, activation: 'softmax', useBias: true } },
];

test('the MNIST CNN exports to ONNX and matches the reference forward on real MNIST images', async () => {
  const y = await checkAgainstReference([28, 28, 1], CNN, await mnistImages(16), 1e-4);
  assert.deepEqual(y.shape, [16, 10]);
  for (let r = 0; r < 16; r++) {
    const sum = y.data.subarray(r * 10, r * 10 + 10).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5, 'softmax rows sum to 1');
  }
});

test('a dense network (tanh, sigmoid, no bias) matches', async () => {
  const specs: Spec[] = [
    { type: 'dense', config: { units: 16, activation: 'tanh' } },
    { type: 'dense', config: { units: 8, activation: 'relu', useBias: false } },
    { type: 'dense', config: { units: 1, activation: 'sigmoid' } },
  ];
  await checkAgainstReference([30], specs, randomInput([7, 30], 3), 1e-5);
});

test("'same' padding with stride 2, average pooling and an odd-sized input match", async () => {
  const specs: Spec[] = [
    { type: 'conv2d', config: { filters: 4, kernelSize: [3, 3], strides: [2, 2], padding: 'same', activation: 'relu' } },
    { type: 'conv2d', config: { filters: 5, kernelSize: [2, 4], strides: [1, 2], padding: 'same' } },
    { type: 'averagePooling2d', config: { poolSize: [3, 3], strides: [2, 2], padding: 'same' } },
    { type: 'maxPooling2d', config: { poolSize: 2, padding: 'same' } },
    { type: 'flatten' },
    { type: 'dense', config: { units: 3, activation: 'softmax' } },
  ];
  await checkAgainstReference([13, 11, 2], specs, randomInput([3, 13, 11, 2], 5), 1e-5);
});

test('batchNormalization after conv (NCHW inside) and after dense matches', async () => {
  const specs: Spec[] = [
    { type: 'conv2d', config: { filters: 6, kernelSize: 3, padding: 'same' } },
    { type: 'batchNormalization', config: { epsilon: 0.001 } },
    { type: 'activation', config: { activation: 'relu' } },
    { type: 'maxPooling2d', config: { poolSize: 2 } },
    { type: 'flatten' },
    { type: 'dense', config: { units: 12 } },
    { type: 'batchNormalization', config: { epsilon: 0.01 } },
    { type: 'dense', config: { units: 4, activation: 'softmax' } },
  ];
  await checkAgainstReference([8, 8, 3], specs, randomInput([5, 8, 8, 3], 9), 1e-4);
});

test('a conv output without flatten is returned in NHWC, with a dynamic batch dimension', async () => {
  const specs: Spec[] = [{ type: 'conv2d', config: { filters: 3, kernelSize: 3, activation: 'softmax' } }];
  const y = await checkAgainstReference([6, 5, 2], specs, randomInput([2, 6, 5, 2], 1), 1e-5);
  assert.deepEqual(y.shape, [2, 4, 3, 3]);
  await checkAgainstReference([6, 5, 2], specs, randomInput([1, 6, 5, 2], 2), 1e-5);
});

test('the file is an ONNX ModelProto with opset 13, ir_version 8, a symbolic batch dim; writeOnnx writes it', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeModel(join(dir, 'm'), [28, 28, 1], CNN, 1);
    const out = join(dir, 'model.onnx');
    const size = await writeOnnx(join(dir, 'm'), out);
    const bytes = readFileSync(out);
    assert.equal(bytes.length, size);
    const proto = onnxModelType().toObject(onnxModelType().decode(bytes), { longs: Number }) as {
      irVersion: number;
      opsetImport: { version: number }[];
      graph: { input: { name: string; type: { tensorType: { shape: { dim: Record<string, unknown>[] } } } }[]; node: { opType: string }[] };
    };
    assert.equal(proto.irVersion, 8);
    assert.equal(proto.opsetImport[0]!.version, ONNX_OPSET);
    assert.ok(ONNX_OPSET >= 13);
    assert.equal(proto.graph.input[0]!.name, 'input');
    assert.deepEqual(proto.graph.input[0]!.type.tensorType.shape.dim, [
      { dimParam: 'N' },
      { dimValue: 28 },
      { dimValue: 28 },
      { dimValue: 1 },
    ]);
    const ops = proto.graph.node.map((n) => n.opType);
    assert.deepEqual(ops.filter((o) => o === 'Transpose').length, 2, 'one transpose in, one back before Flatten');
    assert.ok(!existsSync(join(dir, 'model.onnx.tmp')));
  } finally {
    cleanup();
  }
});

test('bad model folders fail with codes', async () => {
  const { dir, cleanup } = tempDir({ 'broken/model.json': '{not json', 'other/model.json': '{"format":"keras"}' });
  try {
    await assert.rejects(exportOnnx(join(dir, 'missing')), (e) => isSlipwayError(e, 'PATH_NOT_FOUND'));
    await assert.rejects(exportOnnx(join(dir, 'broken')), (e) => isSlipwayError(e, 'MODEL_INVALID'));
    await assert.rejects(exportOnnx(join(dir, 'other')), (e) => isSlipwayError(e, 'MODEL_INVALID'));
    writeModel(join(dir, 'lstm'), [4], [{ type: 'lstm', config: {} }], 1);
    await assert.rejects(exportOnnx(join(dir, 'lstm')), (e) => isSlipwayError(e, 'ONNX_EXPORT_FAILED'));
    writeModel(join(dir, 'elu'), [4], [{ type: 'dense', config: { units: 2, activation: 'elu' } }], 1);
    await assert.rejects(exportOnnx(join(dir, 'elu')), (e) => isSlipwayError(e, 'ONNX_EXPORT_FAILED'));
    // weights.bin shorter than model.json says
    writeModel(join(dir, 'short'), [4], [{ type: 'dense', config: { units: 2 } }], 1);
    writeFileSync(join(dir, 'short', 'weights.bin'), Buffer.alloc(8));
    await assert.rejects(exportOnnx(join(dir, 'short')), (e) => isSlipwayError(e, 'MODEL_INVALID'));
  } finally {
    cleanup();
  }
});
