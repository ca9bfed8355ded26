import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  adam,
  batchNormalization,
  conv2d,
  dense,
  dropout,
  flatten,
  loadModel,
  maxPooling2d,
  saveModel,
  saveModelToStore,
  sequential,
  sgd,
  tensor,
  type Model,
} from '../../src/engine/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { openObjectStore, readTree } from '../../src/store/index.js';
import type { ParamValue, Run } from '../../src/tracking/types.js';
import { tempDir } from '../helpers/temp-workspace.js';

/** Two Gaussian blobs in 4-D: class = whether x0 + x1 > 0. */
function blobs(n: number, seed = 1): { x: ReturnType<typeof tensor>; y: ReturnType<typeof tensor> } {
  let s = seed;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const x = new Float32Array(n * 4);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 4; j++) x[i * 4 + j] = rnd();
    y[i] = x[i * 4]! + x[i * 4 + 1]! > 0 ? 1 : 0;
  }
  return { x: tensor(x, [n, 4]), y: tensor(y, [n]) };
}

function mlp(seed: number): Model {
  const m = sequential(
    [
      dense({ units: 8, activation: 'relu', inputShape: [4] }),
      dropout({ rate: 0.1 }),
      batchNormalization(),
      dense({ units: 2, activation: 'softmax' }),
    ],
    { seed },
  );
  m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return m;
}

const codeOf = (code: string) => (e: unknown) => isSlipwayError(e) && e.code === code;

describe('sequential model', () => {
  it('learns a separable problem, and evaluate reports loss and accuracy', async () => {
    const { x, y } = blobs(400);
    const m = mlp(1);
    const h = await m.fit(x, y, { epochs: 15, batchSize: 16, seed: 2, validationSplit: 0.25 });
    assert.deepEqual(Object.keys(h.history).sort(), ['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    assert.equal(h.epoch.length, 15);
    const ev = m.evaluate(x, y);
    assert.ok(ev.accuracy! > 0.9, `accuracy ${ev.accuracy}`);
    assert.ok(h.history.loss![14]! < h.history.loss![0]!);
  });

  it('is deterministic with a seed, and differs with another seed', async () => {
    const { x, y } = blobs(100);
    const weights = async (init: number, fitSeed: number): Promise<Float32Array[]> => {
      const m = mlp(init);
      await m.fit(x, y, { epochs: 2, batchSize: 10, seed: fitSeed });
      return m.getWeights().map((w) => w.data);
    };
    // Bit-identical on every backend (native elementwise loops are built without FMA contraction, whose scalar and
    // vector paths rounded differently depending on array alignment).
    assert.deepEqual(await weights(5, 7), await weights(5, 7));
    assert.notDeepEqual(await weights(5, 7), await weights(5, 8));
    assert.notDeepEqual(await weights(5, 7), await weights(6, 7));
  });

  it('summary lists layers, output shapes and Keras param counts for the MNIST CNN', () => {
    const m = sequential([
      conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      maxPooling2d({ poolSize: 2 }),
      conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      maxPooling2d({ poolSize: 2 }),
      flatten(),
      dense({ units: 10, activation: 'softmax' }),
    ]);
    const s = m.summary();
    assert.match(s, /conv2d \(Conv2D\)\s+\(None, 26, 26, 32\)\s+320/);
    assert.match(s, /conv2d_1 \(Conv2D\)\s+\(None, 11, 11, 64\)\s+18,496/);
    assert.match(s, /flatten \(Flatten\)\s+\(None, 1600\)/);
    assert.match(s, /dense \(Dense\)\s+\(None, 10\)\s+16,010/);
    assert.match(s, /Total params: 34,826/);
    assert.equal(m.countParams().total, 34826);
  });

  it("'same' padding and strides give Keras' output shapes", () => {
    const m = sequential([conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', inputShape: [7, 7, 3] })]);
    assert.deepEqual(m.outputShape, [4, 4, 4]);
  });

  it('saves and loads a model with the same predictions, signature and class labels', async () => {
    const { x, y } = blobs(50);
    const m = mlp(3);
    await m.fit(x, y, { epochs: 2, seed: 1 });
    m.classLabels = ['neg', 'pos'];
    const t = tempDir();
    try {
      const dir = join(t.dir, 'model');
      await saveModel(m, dir);
      for (const f of ['model.json', 'weights.bin', 'signature.json']) assert.ok(existsSync(join(dir, f)), f);
      const sig = JSON.parse(readFileSync(join(dir, 'signature.json'), 'utf8'));
      assert.deepEqual(sig, {
        inputs: [{ name: 'input', dtype: 'FP32', shape: [-1, 4] }],
        outputs: [{ name: 'output', dtype: 'FP32', shape: [-1, 2] }],
        classLabels: ['neg', 'pos'],
      });
      const loaded = await loadModel(dir);
      assert.deepEqual(loaded.predict(x).data, m.predict(x).data);
      assert.deepEqual(loaded.classLabels, ['neg', 'pos']);
      assert.equal(loaded.compiled?.loss.name, 'sparseCategoricalCrossentropy');
      assert.deepEqual(loaded.evaluate(x, y), m.evaluate(x, y));
      const store = openObjectStore(join(t.dir, 'objects'));
      const hash = await saveModelToStore(m, store);
      assert.deepEqual(
        readTree(store, hash)
          .entries.map((e) => e.path)
          .sort(),
        ['model.json', 'signature.json', 'weights.bin'],
      );
    } finally {
      t.cleanup();
    }
  });

  it('loadModel rejects a folder without a model and weights that do not fit', async () => {
    const t = tempDir({ 'empty/x.txt': 'x' });
    try {
      await assert.rejects(loadModel(join(t.dir, 'empty')), codeOf('MODEL_INVALID'));
      const m = mlp(1);
      await saveModel(m, join(t.dir, 'm'));
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(t.dir, 'm', 'weights.bin'), new Uint8Array(8));
      await assert.rejects(loadModel(join(t.dir, 'm')), codeOf('MODEL_INVALID'));
    } finally {
      t.cleanup();
    }
  });

  it('logs params and per-epoch metrics to a tracking run', async () => {
    const params: Record<string, ParamValue>[] = [];
    const metrics: { values: Record<string, number>; step?: number }[] = [];
    const run: Run = {
      id: 'r1',
      experiment: 'e',
      logParams: async (p) => void params.push({ ...p }),
      logMetric: () => undefined,
      logMetrics: (values, step) => void metrics.push({ values: { ...values }, ...(step !== undefined ? { step } : {}) }),
      logArtifact: async () => ({ hash: '', size: 0 }),
      logInput: async () => undefined,
      setTags: async () => undefined,
      flush: async () => undefined,
      end: async () => undefined,
    };
    const { x, y } = blobs(60);
    const m = sequential([dense({ units: 2, activation: 'softmax', inputShape: [4] })], { seed: 1 });
    m.compile({ optimizer: sgd({ learningRate: 0.05, momentum: 0.9 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await m.fit(x, y, { epochs: 3, batchSize: 20, run, validationData: [x, y] });
    assert.equal(params.length, 1);
    assert.equal(params[0]!.optimizer, 'sgd');
    assert.equal(params[0]!.learning_rate, 0.05);
    assert.equal(params[0]!.batch_size, 20);
    assert.equal(params[0]!.epochs, 3);
    assert.equal(params[0]!.layers, 'Dense(2,softmax)');
    assert.deepEqual(
      metrics.map((p) => p.step),
      [1, 2, 3],
    );
    assert.deepEqual(Object.keys(metrics[0]!.values).sort(), ['accuracy', 'loss', 'val_accuracy', 'val_loss']);
  });
});

describe('bad input gets clear error codes', () => {
  const m = (): Model => mlp(1);
  it('SHAPE_MISMATCH names the layer and both shapes', async () => {
    await assert.rejects(m().fit(tensor(new Float32Array(15), [5, 3]), tensor(new Float32Array(5), [5])), (e) => {
      assert.ok(isSlipwayError(e, 'SHAPE_MISMATCH'));
      assert.match(e.message, /dense/);
      assert.match(e.message, /\[-1, 4\]/);
      assert.match(e.message, /\[5, 3\]/);
      return true;
    });
    assert.throws(() => m().predict(tensor(new Float32Array(6), [2, 3])), codeOf('SHAPE_MISMATCH'));
    await assert.rejects(m().fit(tensor(new Float32Array(20), [5, 4]), tensor(new Float32Array(4), [4])), codeOf('SHAPE_MISMATCH'));
    assert.throws(() => sequential([conv2d({ filters: 2, kernelSize: 3, inputShape: [10] })]), codeOf('SHAPE_MISMATCH'));
    assert.throws(() => tensor([1, 2, 3], [2, 2]), codeOf('SHAPE_MISMATCH'));
  });
  it('DTYPE_INVALID for data that is not float32', async () => {
    const bad = { shape: [2, 4], data: [1, 2, 3, 4, 5, 6, 7, 8] as unknown as Float32Array };
    assert.throws(() => m().predict(bad), codeOf('DTYPE_INVALID'));
    await assert.rejects(
      m().fit(tensor(new Float32Array(8), [2, 4]), { shape: [2], data: new Int32Array(2) as unknown as Float32Array }),
      codeOf('DTYPE_INVALID'),
    );
  });
  it('DATA_EMPTY for no samples', async () => {
    await assert.rejects(m().fit(tensor(new Float32Array(0), [0, 4]), tensor(new Float32Array(0), [0])), codeOf('DATA_EMPTY'));
  });
  it('LABEL_OUT_OF_RANGE for labels the output cannot hold', async () => {
    const { x } = blobs(4);
    await assert.rejects(m().fit(x, tensor([0, 1, 2, 1], [4])), codeOf('LABEL_OUT_OF_RANGE'));
    await assert.rejects(m().fit(x, tensor([0, 1, -1, 1], [4])), codeOf('LABEL_OUT_OF_RANGE'));
    await assert.rejects(m().fit(x, tensor([0, 1, 0.5, 1], [4])), codeOf('LABEL_OUT_OF_RANGE'));
  });
  it('INPUT_NOT_FINITE for NaN inputs', async () => {
    const { x, y } = blobs(4);
    x.data[5] = Number.NaN;
    await assert.rejects(m().fit(x, y), codeOf('INPUT_NOT_FINITE'));
    assert.throws(() => m().predict(x), codeOf('INPUT_NOT_FINITE'));
  });
  it('LOSS_NOT_FINITE stops fit and says the epoch and batch', async () => {
    const model = sequential([dense({ units: 1, inputShape: [1] })], { seed: 1 });
    model.compile({ optimizer: sgd({ learningRate: 1e6 }), loss: 'mse' });
    const x = tensor(
      Float32Array.from({ length: 64 }, (_, i) => 1000 + i),
      [64, 1],
    );
    const y = tensor(
      Float32Array.from({ length: 64 }, (_, i) => -1000 - i),
      [64, 1],
    );
    await assert.rejects(model.fit(x, y, { epochs: 5, batchSize: 8, shuffle: false }), (e) => {
      assert.ok(isSlipwayError(e, 'LOSS_NOT_FINITE'));
      assert.ok(typeof e.details?.epoch === 'number' && typeof e.details?.batch === 'number');
      assert.match(e.message, /epoch \d+, batch \d+/);
      return true;
    });
  });
  it('fit before compile, unknown losses, metrics, layers and activations', async () => {
    const model = sequential([dense({ units: 2, inputShape: [4] })]);
    const { x, y } = blobs(4);
    await assert.rejects(model.fit(x, y), codeOf('MODEL_NOT_COMPILED'));
    assert.throws(() => model.compile({ loss: 'hinge' }), codeOf('LOSS_UNKNOWN'));
    assert.throws(() => model.compile({ loss: 'mse', metrics: ['auc'] }), codeOf('METRIC_UNKNOWN'));
    assert.throws(() => dense({ units: 2, activation: 'gelu' as never }), codeOf('LAYER_INVALID'));
    assert.throws(() => dense({ units: 0 }), codeOf('LAYER_INVALID'));
  });
});
