// The contract every model runtime passes (DESIGN §3): engine inline, engine worker and ONNX give the same outputs
// within tolerance, refuse bad input with the same codes, and close and reload the same way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { conv2d, dense, flatten, maxPooling2d, saveModel, sequential, tensor } from '../../src/engine/index.js';
import { writeOnnx } from '../../src/engine/onnx/export-onnx.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { loadModelRuntime, type LoadRuntimeOptions, type TensorData } from '../../src/runtime/index.js';
import { createRng } from '../../src/engine/random.js';
import { tempDir } from '../helpers/temp-workspace.js';

interface Backend {
  readonly name: string;
  readonly format: 'slipway' | 'onnx';
  dir(): string;
  readonly opts?: LoadRuntimeOptions;
}

let tmp: ReturnType<typeof tempDir>;
let engineDir: string;
let onnxDir: string;
const ROWS = 5;
let x: Float32Array;
let reference: Float32Array;

const BACKENDS: readonly Backend[] = [
  // A large inline threshold keeps predictions on the calling thread; 0 sends every prediction to the worker.
  { name: 'engine inline', format: 'slipway', dir: () => engineDir, opts: { inlineMaxWeightBytes: 1 << 30 } },
  { name: 'engine worker', format: 'slipway', dir: () => engineDir, opts: { inlineMaxWeightBytes: 0 } },
  { name: 'onnx', format: 'onnx', dir: () => onnxDir },
];

const input = (rows: number, data: TensorData['data'] = x.subarray(0, rows * 64)): Record<string, TensorData> => ({
  input: { dtype: 'FP32', shape: [rows, 8, 8, 1], data },
});

before(async () => {
  tmp = tempDir();
  const model = sequential(
    [
      conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }),
      maxPooling2d({ poolSize: 2 }),
      flatten(),
      dense({ units: 3, activation: 'softmax' }),
    ],
    { seed: 7 },
  );
  engineDir = join(tmp.dir, 'engine');
  await saveModel(model, engineDir);
  onnxDir = join(tmp.dir, 'onnx');
  mkdirSync(onnxDir);
  await writeOnnx(engineDir, join(onnxDir, 'model.onnx'));
  copyFileSync(join(engineDir, 'signature.json'), join(onnxDir, 'signature.json'));
  const rnd = createRng(11);
  x = Float32Array.from({ length: ROWS * 64 }, () => rnd.next());
  reference = model.predict(tensor(x, [ROWS, 8, 8, 1])).data;
});

after(() => tmp.cleanup());

for (const b of BACKENDS) {
  test(`${b.name}: loads with the model's signature and predicts what the engine computes (within 1e-5)`, async () => {
    const rt = await loadModelRuntime(b.dir(), b.opts);
    try {
      assert.equal(rt.format, b.format);
      assert.deepEqual(
        rt.signature.inputs.map((s) => [s.name, s.dtype, s.shape]),
        [['input', 'FP32', [-1, 8, 8, 1]]],
      );
      const outName = rt.signature.outputs[0]!.name;
      // Whole batch, then one row: batch size must not change a row's result.
      const all = (await rt.predict(input(ROWS)))[outName]!;
      assert.equal(all.dtype, 'FP32');
      assert.deepEqual(all.shape, [ROWS, 3]);
      for (let i = 0; i < reference.length; i++) assert.ok(Math.abs((all.data[i] as number) - reference[i]!) <= 1e-5, `${b.name} [${i}]`);
      const one = (await rt.predict(input(1)))[outName]!;
      assert.deepEqual(one.shape, [1, 3]);
      for (let i = 0; i < 3; i++) assert.ok(Math.abs((one.data[i] as number) - reference[i]!) <= 1e-5);
      // Concurrent predictions each get their own answer.
      const many = await Promise.all([1, 2, 3, 4, 5].map((n) => rt.predict(input(n))));
      many.forEach((m, k) => assert.deepEqual(m[outName]!.shape, [k + 1, 3]));
    } finally {
      await rt.close();
    }
  });

  test(`${b.name}: bad input gets INPUT_MISSING / INPUT_INVALID, and the runtime keeps working`, async () => {
    const rt = await loadModelRuntime(b.dir(), b.opts);
    try {
      const bad: [string, Record<string, TensorData>, string][] = [
        ['no input', {}, 'INPUT_MISSING'],
        ['wrong name', { image: input(1).input! }, 'INPUT_MISSING'],
        ['extra input', { ...input(1), other: input(1).input! }, 'INPUT_INVALID'],
        ['wrong dtype', { input: { dtype: 'FP64', shape: [1, 8, 8, 1], data: new Float64Array(64) } }, 'INPUT_INVALID'],
        ['wrong rank', { input: { dtype: 'FP32', shape: [1, 64], data: new Float32Array(64) } }, 'INPUT_INVALID'],
        ['wrong fixed dim', { input: { dtype: 'FP32', shape: [1, 7, 8, 1], data: new Float32Array(56) } }, 'INPUT_INVALID'],
        ['data not the shape', { input: { dtype: 'FP32', shape: [2, 8, 8, 1], data: new Float32Array(64) } }, 'INPUT_INVALID'],
      ];
      for (const [what, inputs, code] of bad)
        await assert.rejects(rt.predict(inputs), (e) => isSlipwayError(e, code as never), `${b.name}: ${what}`);
      const ok = await rt.predict(input(1));
      assert.deepEqual(ok[rt.signature.outputs[0]!.name]!.shape, [1, 3]);
    } finally {
      await rt.close();
    }
  });

  test(`${b.name}: predict after close is SERVABLE_NOT_READY; close twice is fine; a reload predicts the same`, async () => {
    const rt = await loadModelRuntime(b.dir(), b.opts);
    const outName = rt.signature.outputs[0]!.name;
    const before = (await rt.predict(input(2)))[outName]!;
    await rt.close();
    await rt.close();
    await assert.rejects(rt.predict(input(2)), (e) => isSlipwayError(e, 'SERVABLE_NOT_READY'));
    const again = await loadModelRuntime(b.dir(), b.opts);
    try {
      assert.deepEqual([...(await again.predict(input(2)))[outName]!.data], [...before.data]);
    } finally {
      await again.close();
    }
  });
}

test('a folder with no model is RUNTIME_UNSUPPORTED; a broken model.json is MODEL_LOAD_FAILED', async () => {
  const empty = join(tmp.dir, 'empty');
  mkdirSync(empty);
  await assert.rejects(loadModelRuntime(empty), (e) => isSlipwayError(e, 'RUNTIME_UNSUPPORTED'));
  const broken = join(tmp.dir, 'broken');
  mkdirSync(broken);
  copyFileSync(join(engineDir, 'signature.json'), join(broken, 'model.json'));
  await assert.rejects(loadModelRuntime(broken, { inlineMaxWeightBytes: 0 }), (e) => isSlipwayError(e, 'MODEL_LOAD_FAILED'));
});
