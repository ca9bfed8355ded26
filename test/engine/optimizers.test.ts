import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { param } from '../../src/engine/layers/layer.js';
import { referenceKernels } from '../../src/engine/kernels/reference-kernels.js';
import { adam, createOptimizer, gd, resolveOptimizer, sgd } from '../../src/engine/optimizers.js';
import { dense, sequential } from '../../src/engine/index.js';
import { isSlipwayError } from '../../src/errors/index.js';

/** One scalar param with a fixed gradient, stepped `steps` times; returns the values after each step. */
function run(config: Parameters<typeof createOptimizer>[0], g: number, steps: number): number[] {
  const p = param('w', [1], Float32Array.from([1]));
  const opt = createOptimizer(config, referenceKernels);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    p.grad[0] = g;
    opt.step([p]);
    out.push(p.value[0]!);
  }
  return out;
}

const near = (a: number, b: number, eps = 1e-6): void => assert.ok(Math.abs(a - b) <= eps, `${a} vs ${b}`);

describe('optimizers step as the documented rules say', () => {
  it('gd and plain sgd: p − lr·g', () => {
    near(run(gd({ learningRate: 0.1 }), 0.5, 1)[0]!, 0.95);
    const [a, b] = run(sgd({ learningRate: 0.1 }), 0.5, 2);
    near(a!, 0.95);
    near(b!, 0.9);
  });
  it('sgd with momentum 0.9 (Keras form v ← μv − lr·g; p ← p + v)', () => {
    const [a, b] = run(sgd({ learningRate: 0.1, momentum: 0.9 }), 0.5, 2);
    near(a!, 0.95); // v = −0.05
    near(b!, 0.855); // v = 0.9·(−0.05) − 0.05 = −0.095
  });
  it('sgd with Nesterov momentum (p ← p + μv − lr·g)', () => {
    const [a, b] = run(sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }), 0.5, 2);
    near(a!, 1 + 0.9 * -0.05 - 0.05); // 0.905
    near(b!, 0.905 + 0.9 * -0.095 - 0.05); // 0.7695
  });
  it('adam with bias correction', () => {
    const lr = 0.01;
    const g = 0.5;
    const [a, b] = run(adam({ learningRate: lr }), g, 2);
    // step 1: m = 0.05, v = 0.00025, lr_t = lr·√(1−0.999)/(1−0.9)
    const m1 = 0.1 * g;
    const v1 = 0.001 * g * g;
    const p1 = 1 - ((lr * Math.sqrt(1 - 0.999)) / (1 - 0.9)) * (m1 / (Math.sqrt(v1) + 1e-7));
    near(a!, p1, 1e-6);
    const m2 = 0.9 * m1 + 0.1 * g;
    const v2 = 0.999 * v1 + 0.001 * g * g;
    const p2 = p1 - ((lr * Math.sqrt(1 - 0.999 ** 2)) / (1 - 0.9 ** 2)) * (m2 / (Math.sqrt(v2) + 1e-7));
    near(b!, p2, 1e-6);
    // Adam's first steps move by about lr whatever the gradient's scale.
    near(1 - a!, lr, 1e-5);
  });
  it('unknown optimizers and bad learning rates are OPTIMIZER_UNKNOWN', () => {
    assert.throws(
      () => resolveOptimizer('rmsprop'),
      (e) => isSlipwayError(e, 'OPTIMIZER_UNKNOWN'),
    );
    assert.throws(
      () => adam({ learningRate: -1 }),
      (e) => isSlipwayError(e, 'OPTIMIZER_UNKNOWN'),
    );
  });
  it("'gd' trains on the whole set as one batch per epoch", async () => {
    const m = sequential([dense({ units: 1, inputShape: [2] })], { seed: 1 });
    m.compile({ optimizer: 'gd', loss: 'mse' });
    let batches = 0;
    const x = { shape: [10, 2], data: Float32Array.from({ length: 20 }, (_, i) => i / 20) };
    const y = { shape: [10, 1], data: Float32Array.from({ length: 10 }, (_, i) => i / 10) };
    const h = await m.fit(x, y, { epochs: 3, batchSize: 2, callbacks: { onBatchEnd: () => void batches++ } });
    assert.equal(batches, 3);
    assert.ok(h.history.loss![2]! < h.history.loss![0]!);
  });
});
