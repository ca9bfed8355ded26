import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readCsvTable } from '../../src/data/index.js';
import {
  adam,
  batchNormalization,
  conv2d,
  dense,
  flatten,
  maxPooling2d,
  modelSpecSchema,
  sequential,
  sgd,
} from '../../src/engine/index.js';
import type { Layer } from '../../src/engine/layers/layer.js';
import { computeLoss, fusesWith } from '../../src/engine/losses.js';
import { createPrivateStep } from '../../src/engine/privacy/dp-sgd.js';
import { createRng } from '../../src/engine/random.js';
import { featureStats, standardize } from '../../src/engine/standardize.js';
import { sliceRows } from '../../src/engine/tensor.js';
import { FIXTURES, tempWorkspace } from '../helpers/temp-workspace.js';
import { fitInWorker } from '../../src/engine/index.js';
import { openDb } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import { getRun, metricHistory, startRun } from '../../src/tracking/index.js';

const rng = createRng(7);
const randn = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());

/** Builds a compiled model and a batch; returns naive per-example gradients (batch size 1 each) and the efficient path's result. */
function compare(layers: Layer[], inShape: number[], classes: number, bs: number, clipAt: (norms: number[]) => number) {
  const model = sequential(layers, { seed: 3 });
  model.compile({ optimizer: sgd(), loss: 'sparseCategoricalCrossentropy' });
  model.build(inShape);
  const internals = model.internals;
  const params = model.layers.flatMap((l) => l.params.filter((p) => p.trainable));
  const row = inShape.reduce((a, b) => a * b, 1);
  const x = randn(bs * row);
  const y = Float32Array.from({ length: bs }, (_, i) => i % classes);
  const loss = model.compiled!.loss;
  const fused = fusesWith(loss, model.layers[model.layers.length - 1]!.activation);
  // Naive: one forward/backward per example.
  const naive: Float32Array[] = [];
  for (let i = 0; i < bs; i++) {
    const pred = internals.forward(x.subarray(i * row, (i + 1) * row), 1, true, rng);
    const g = new Float32Array(classes);
    computeLoss(loss, pred, y.subarray(i, i + 1), 1, classes, g, fused);
    internals.backward(g, 1, fused);
    naive.push(Float32Array.from(params.flatMap((p) => [...p.grad])));
  }
  const naiveNorms = naive.map((v) => Math.sqrt(v.reduce((s, a) => s + a * a, 0)));
  const C = clipAt(naiveNorms);
  // Efficient: one batch, norm pass + rescaled backward, no noise, expected batch 1 (the plain clipped sum).
  const pred = internals.forward(x, bs, true, rng);
  const g = new Float32Array(bs * classes);
  computeLoss(loss, pred, y, bs, classes, g, fused);
  const step = createPrivateStep(model, internals, params, { l2NormClip: C, noiseMultiplier: 0, delta: 1e-5 });
  const norms = [...step.run(g, bs, fused, rng, 1)];
  const clippedSum = Float32Array.from(params.flatMap((p) => [...p.grad]));
  return { naive, naiveNorms, norms, clippedSum, C };
}

function checkClipping(r: ReturnType<typeof compare>): void {
  const { naive, naiveNorms, norms, clippedSum, C } = r;
  assert.equal(norms.length, naive.length);
  norms.forEach((n, i) => assert.ok(Math.abs(n - naiveNorms[i]!) <= 1e-4 * naiveNorms[i]! + 1e-7, `norm ${i}: ${n} vs ${naiveNorms[i]}`));
  assert.ok(naiveNorms.some((n) => n > C) && naiveNorms.some((n) => n < C), 'the clip bound splits the examples');
  const want = new Float64Array(clippedSum.length);
  naive.forEach((v, i) => {
    const s = Math.min(1, C / (naiveNorms[i]! + 1e-6));
    let sq = 0;
    for (let j = 0; j < v.length; j++) {
      want[j] = want[j]! + s * v[j]!;
      sq += (s * v[j]!) ** 2;
    }
    assert.ok(Math.sqrt(sq) <= C * (1 + 1e-5), `clipped example ${i} has norm ${Math.sqrt(sq)} > ${C}`);
  });
  let maxErr = 0;
  let maxAbs = 0;
  for (let j = 0; j < want.length; j++) {
    maxErr = Math.max(maxErr, Math.abs(want[j]! - clippedSum[j]!));
    maxAbs = Math.max(maxAbs, Math.abs(want[j]!));
  }
  assert.ok(maxErr <= 1e-4 * maxAbs, `clipped sum differs by ${maxErr} (max ${maxAbs})`);
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

describe('DP-SGD per-example clipping', () => {
  it('dense: ghost norms equal the naive per-example gradient norms and the clipped sum matches', () => {
    checkClipping(
      compare([dense({ units: 6, activation: 'relu', inputShape: [5] }), dense({ units: 3, activation: 'softmax' })], [5], 3, 9, median),
    );
  });

  it('conv2d + pooling + dense: per-example filter gradients match the naive ones', () => {
    checkClipping(
      compare(
        [
          conv2d({ filters: 3, kernelSize: 3, activation: 'relu', padding: 'same', inputShape: [6, 6, 2] }),
          maxPooling2d({ poolSize: 2 }),
          flatten(),
          dense({ units: 4, activation: 'softmax' }),
        ],
        [6, 6, 2],
        4,
        7,
        median,
      ),
    );
  });

  it('dense over several rows per example (a sequence): formed per-example gradients match the naive ones', () => {
    checkClipping(
      compare(
        [dense({ units: 3, activation: 'tanh', inputShape: [3, 4] }), flatten(), dense({ units: 2, activation: 'softmax' })],
        [3, 4],
        2,
        8,
        median,
      ),
    );
  });

  it('noise is N(0, (σC)²) per parameter, divided by the expected batch size', () => {
    const model = sequential([dense({ units: 64, inputShape: [32] })], { seed: 1 });
    model.compile({ optimizer: sgd(), loss: 'mse' });
    const params = model.layers.flatMap((l) => l.params);
    const step = createPrivateStep(model, model.internals, params, { l2NormClip: 0.5, noiseMultiplier: 2, delta: 1e-5 });
    const noise = createRng(11);
    const values: number[] = [];
    for (let t = 0; t < 10; t++) {
      step.run(new Float32Array(0), 0, false, noise, 4);
      for (const p of params) values.push(...p.grad);
    }
    const n = values.length;
    const mean = values.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
    const want = (2 * 0.5) / 4;
    assert.ok(Math.abs(sd - want) < 0.03 * want, `sd ${sd} vs ${want}`);
    assert.ok(Math.abs(mean) < (4 * want) / Math.sqrt(n), `mean ${mean}`);
  });

  it('refuses batch normalization (PRIVACY_UNSUPPORTED_LAYER) and bad options (PRIVACY_INVALID)', async () => {
    const x = { shape: [8, 3], data: randn(24) };
    const y = { shape: [8], data: Float32Array.from({ length: 8 }, (_, i) => i % 2) };
    const bn = sequential([dense({ units: 4, inputShape: [3] }), batchNormalization(), dense({ units: 2, activation: 'softmax' })]);
    bn.compile({ loss: 'sparseCategoricalCrossentropy' });
    await assert.rejects(bn.fit(x, y, { privacy: { l2NormClip: 1, noiseMultiplier: 1, delta: 1e-5 } }), {
      code: 'PRIVACY_UNSUPPORTED_LAYER',
    });
    const m = sequential([dense({ units: 2, activation: 'softmax', inputShape: [3] })]);
    m.compile({ loss: 'sparseCategoricalCrossentropy' });
    await assert.rejects(m.fit(x, y, { privacy: { l2NormClip: 0, noiseMultiplier: 1, delta: 1e-5 } }), { code: 'PRIVACY_INVALID' });
    await assert.rejects(m.fit(x, y, { privacy: { l2NormClip: 1, noiseMultiplier: 1, delta: 2 } }), { code: 'PRIVACY_INVALID' });
  });
});

describe('fit with privacy', async () => {
  const t = await readCsvTable(join(FIXTURES, 'tabular', 'breast_cancer.csv'));
  const f = t.features.length;
  const x = { shape: [t.rows, f], data: t.x };
  const y = { shape: [t.rows], data: t.y! };
  const stats = featureStats(sliceRows(x, 0, 455).data, 455, f);
  const sx = { shape: x.shape, data: standardize(x.data, stats) };
  const train = { x: sliceRows(sx, 0, 455), y: sliceRows(y, 0, 455) };
  const test = { x: sliceRows(sx, 455, t.rows), y: sliceRows(y, 455, t.rows) };
  const build = (optimizer: ReturnType<typeof adam>) => {
    const model = sequential([dense({ units: 16, activation: 'relu', inputShape: [f] }), dense({ units: 2, activation: 'softmax' })], {
      seed: 42,
    });
    model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return model;
  };
  const privacy = { l2NormClip: 1, noiseMultiplier: 1.1, delta: 1e-5 };

  it('reaches ≥ 0.9 test accuracy on breast cancer with sgd and adam, reporting a growing ε each epoch', async () => {
    for (const opt of [sgd({ learningRate: 0.1, momentum: 0.9 }), adam({ learningRate: 0.01 })]) {
      const model = build(opt);
      const h = await model.fit(train.x, train.y, { epochs: 15, batchSize: 32, seed: 1, privacy });
      const eps = h.history.epsilon!;
      assert.equal(eps.length, 15);
      for (let i = 1; i < eps.length; i++) assert.ok(eps[i]! > eps[i - 1]!, 'ε grows');
      assert.ok(eps[eps.length - 1]! > 0 && eps[eps.length - 1]! < 50);
      const acc = model.evaluate(test.x, test.y).accuracy!;
      assert.ok(acc >= 0.9, `${opt.type} test accuracy ${acc}`);
    }
  });

  it('is deterministic with a seed and stops before passing targetEpsilon', async () => {
    const a = build(adam({ learningRate: 0.01 }));
    const b = build(adam({ learningRate: 0.01 }));
    const c = build(adam({ learningRate: 0.01 }));
    await a.fit(train.x, train.y, { epochs: 2, batchSize: 32, seed: 5, privacy });
    await b.fit(train.x, train.y, { epochs: 2, batchSize: 32, seed: 5, privacy });
    await c.fit(train.x, train.y, { epochs: 2, batchSize: 32, seed: 6, privacy });
    assert.deepEqual(a.getWeights()[0]!.data, b.getWeights()[0]!.data);
    assert.notDeepEqual(a.getWeights()[0]!.data, c.getWeights()[0]!.data);
    const d = build(adam({ learningRate: 0.01 }));
    const h = await d.fit(train.x, train.y, { epochs: 100, batchSize: 32, seed: 5, privacy: { ...privacy, targetEpsilon: 3 } });
    const eps = h.history.epsilon!;
    assert.ok(eps.length < 100, 'stopped early');
    assert.ok(
      h.history.loss!.every((l) => l > 0),
      'no empty epoch is reported after the budget ran out',
    );
    assert.ok(eps[eps.length - 1]! <= 3 && eps[eps.length - 1]! > 2.5, `final ε ${eps[eps.length - 1]}`);
  });

  it('off the main thread too, logging ε per epoch and the DP params to a tracking run', async () => {
    const t = tempWorkspace();
    const db = await openDb({ sqlitePath: t.ws.dbPath });
    try {
      const run = await startRun({ experiment: 'dp', db, store: openObjectStore(t.ws.objectsDir), workspace: t.dir });
      const h = await fitInWorker(build(adam({ learningRate: 0.01 })), train.x, train.y, {
        epochs: 3,
        batchSize: 32,
        seed: 1,
        privacy,
        run,
      });
      await run.end();
      const points = await metricHistory(db, run.id, 'epsilon');
      assert.deepEqual(
        points.map((p) => p.value),
        h.history.epsilon,
      );
      assert.equal(points.length, 3);
      assert.equal((await getRun(db, run.id)).params.dp_noise_multiplier, '1.1');
    } finally {
      await db.close();
      t.cleanup();
    }
  });

  it('model.yaml accepts fit.privacy', () => {
    const spec = modelSpecSchema.parse({
      layers: [{ type: 'dense', units: 2, activation: 'softmax', inputShape: [3] }],
      compile: { loss: 'sparseCategoricalCrossentropy' },
      fit: { epochs: 2, privacy: { l2NormClip: 1, noiseMultiplier: 1.1, delta: 1e-5, targetEpsilon: 8 } },
    });
    assert.equal(spec.fit?.privacy?.targetEpsilon, 8);
    assert.throws(() =>
      modelSpecSchema.parse({ layers: [{ type: 'dense', units: 2 }], compile: { loss: 'mse' }, fit: { privacy: { l2NormClip: 1 } } }),
    );
  });
});
