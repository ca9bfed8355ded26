import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { activation } from '../../src/engine/layers/activation-layer.js';
import { batchNormalization } from '../../src/engine/layers/batch-normalization.js';
import { conv2d } from '../../src/engine/layers/conv2d.js';
import { dense } from '../../src/engine/layers/dense.js';
import { dropout } from '../../src/engine/layers/dropout.js';
import { flatten } from '../../src/engine/layers/flatten.js';
import type { Layer, StepContext } from '../../src/engine/layers/layer.js';
import { averagePooling2d, maxPooling2d } from '../../src/engine/layers/pooling.js';
import { computeLoss, fusesWith, resolveLoss, type LossSpec } from '../../src/engine/losses.js';
import { sequential } from '../../src/engine/sequential.js';
import { referenceKernels } from '../../src/engine/kernels/reference-kernels.js';
import { createRng } from '../../src/engine/random.js';
import { sizeOf } from '../../src/engine/tensor.js';

// Finite differences in float32: central differences with h = 1e-3 on O(1) values (small enough that ReLU kinks are
// rarely crossed), L accumulated in float64, tolerance 2% relative (or 0.02 absolute below 1).
const H = 1e-3;
const close = (a: number, n: number, what: string): void => {
  const tol = 2e-2 * Math.max(1, Math.abs(a), Math.abs(n));
  assert.ok(Math.abs(a - n) <= tol, `${what}: analytic ${a} vs numeric ${n}`);
};

function randn(n: number, seed: number, scale = 1): Float32Array {
  const r = createRng(seed);
  return Float32Array.from({ length: n }, () => r.normal() * scale);
}

/** Checks ∂L/∂x and ∂L/∂params of a layer for L = Σ out · r, on a few sampled coordinates. */
function checkLayer(layer: Layer, inputShape: number[], batch: number, opts: { training?: boolean; xScale?: number } = {}): void {
  layer.build(inputShape, createRng(1));
  const ctx = (): StepContext => ({ kernels: referenceKernels, training: opts.training ?? true, rng: createRng(99) });
  const x = randn(batch * sizeOf(inputShape), 2, opts.xScale ?? 1);
  const out0 = layer.forward(x, batch, ctx());
  const r = randn(out0.length, 3);
  const loss = (): number => {
    const o = layer.forward(x, batch, ctx());
    let s = 0;
    for (let i = 0; i < o.length; i++) s += o[i]! * r[i]!;
    return s;
  };
  layer.forward(x, batch, ctx());
  const dx = Float32Array.from(layer.backward(Float32Array.from(r), batch, ctx(), true, false)!);
  const grads = layer.params.filter((p) => p.trainable).map((p) => Float32Array.from(p.grad));
  const sample = (n: number): number[] => Array.from({ length: Math.min(n, 12) }, (_, i) => Math.floor((i * n) / Math.min(n, 12)));
  for (const i of sample(x.length)) {
    const v = x[i]!;
    x[i] = v + H;
    const lp = loss();
    x[i] = v - H;
    const lm = loss();
    x[i] = v;
    close(dx[i]!, (lp - lm) / (2 * H), `${layer.name} dx[${i}]`);
  }
  layer.params
    .filter((p) => p.trainable)
    .forEach((p, j) => {
      for (const i of sample(p.value.length)) {
        const v = p.value[i]!;
        p.value[i] = v + H;
        const lp = loss();
        p.value[i] = v - H;
        const lm = loss();
        p.value[i] = v;
        close(grads[j]![i]!, (lp - lm) / (2 * H), `${layer.name} d${p.name}[${i}]`);
      }
    });
}

describe('layer gradients match finite differences', () => {
  for (const act of ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'] as const) {
    it(`dense (${act})`, () => checkLayer(dense({ units: 4, activation: act }), [5], 3));
  }
  it('dense over the last axis of a 3-D input', () => checkLayer(dense({ units: 3, activation: 'tanh' }), [2, 4], 2));
  it('conv2d valid, stride 1', () => checkLayer(conv2d({ filters: 3, kernelSize: 3, activation: 'tanh' }), [5, 5, 2], 2));
  it('conv2d same, stride 2', () => checkLayer(conv2d({ filters: 2, kernelSize: [3, 2], strides: 2, padding: 'same' }), [5, 6, 2], 2));
  it('conv2d relu', () => checkLayer(conv2d({ filters: 2, kernelSize: 2, activation: 'relu' }), [4, 4, 1], 2));
  it('conv2d softmax over channels', () => checkLayer(conv2d({ filters: 3, kernelSize: 2, activation: 'softmax' }), [3, 3, 2], 1));
  it('maxPooling2d', () => checkLayer(maxPooling2d({ poolSize: 2 }), [4, 4, 2], 2));
  it('maxPooling2d with strides', () => checkLayer(maxPooling2d({ poolSize: 3, strides: 2 }), [7, 7, 1], 1));
  it('averagePooling2d', () => checkLayer(averagePooling2d({ poolSize: 2 }), [4, 6, 2], 2));
  it('flatten', () => checkLayer(flatten(), [2, 3, 2], 2));
  it('dropout (training, fixed mask)', () => checkLayer(dropout({ rate: 0.4 }), [10], 3));
  it('batchNormalization (training statistics)', () => checkLayer(batchNormalization(), [4], 6));
  it('batchNormalization over channels of images', () => checkLayer(batchNormalization(), [2, 2, 3], 2));
  it('activation layer (sigmoid, softmax)', () => {
    checkLayer(activation({ activation: 'sigmoid' }), [4], 2);
    checkLayer(activation({ activation: 'softmax' }), [4], 2);
  });
});

function checkLoss(spec: LossSpec, yPred: Float32Array, yTrue: Float32Array, batch: number, k: number): void {
  const grad = new Float32Array(yPred.length);
  computeLoss(spec, yPred, yTrue, batch, k, grad);
  const h = 1e-3;
  for (let i = 0; i < yPred.length; i++) {
    const v = yPred[i]!;
    yPred[i] = v + h;
    const lp = computeLoss(spec, yPred, yTrue, batch, k, null);
    yPred[i] = v - h;
    const lm = computeLoss(spec, yPred, yTrue, batch, k, null);
    yPred[i] = v;
    close(grad[i]!, (lp - lm) / (2 * h), `${spec.name}${spec.fromLogits ? ' (logits)' : ''} d[${i}]`);
  }
}

describe('loss gradients match finite differences', () => {
  const probs = Float32Array.from([0.2, 0.5, 0.3, 0.6, 0.1, 0.3]);
  const logits = Float32Array.from([1.5, -0.3, 0.2, -2, 0.7, 3]);
  it('mse', () => checkLoss(resolveLoss('mse'), Float32Array.from(logits), Float32Array.from([1, 0, 2, 0, 1, -1]), 2, 3));
  it('binary cross-entropy from probabilities and from logits', () => {
    const t = Float32Array.from([1, 0, 1, 0, 0, 1]);
    checkLoss(resolveLoss('binaryCrossentropy'), Float32Array.from(probs), t, 3, 2);
    checkLoss({ name: 'binaryCrossentropy', fromLogits: true }, Float32Array.from(logits), t, 3, 2);
  });
  it('categorical cross-entropy from probabilities and from logits', () => {
    const t = Float32Array.from([0, 1, 0, 0, 0, 1]);
    checkLoss(resolveLoss('categorical_crossentropy'), Float32Array.from(probs), t, 2, 3);
    checkLoss({ name: 'categoricalCrossentropy', fromLogits: true }, Float32Array.from(logits), t, 2, 3);
  });
  it('sparse categorical cross-entropy from probabilities and from logits', () => {
    const t = Float32Array.from([1, 2]);
    checkLoss(resolveLoss('SparseCategoricalCrossentropy'), Float32Array.from(probs), t, 2, 3);
    checkLoss({ name: 'sparseCategoricalCrossentropy', fromLogits: true }, Float32Array.from(logits), t, 2, 3);
  });
  it('from logits stays finite for extreme logits', () => {
    const spec: LossSpec = { name: 'sparseCategoricalCrossentropy', fromLogits: true };
    const l = computeLoss(spec, Float32Array.from([1000, -1000, 0]), Float32Array.from([1]), 1, 3, null);
    assert.ok(Number.isFinite(l) && Math.abs(l - 2000) < 1e-3, `loss ${l}`);
    const b = computeLoss({ name: 'binaryCrossentropy', fromLogits: true }, Float32Array.from([-500]), Float32Array.from([1]), 1, 1, null);
    assert.ok(Math.abs(b - 500) < 1e-6, `bce ${b}`);
  });
  it('fused softmax + cross-entropy equals the chain through the softmax Jacobian', () => {
    const spec = resolveLoss('sparseCategoricalCrossentropy');
    const p = Float32Array.from([0.2, 0.5, 0.3]);
    const fused = new Float32Array(3);
    computeLoss(spec, p, Float32Array.from([2]), 1, 3, fused, true);
    const dp = new Float32Array(3);
    computeLoss(spec, p, Float32Array.from([2]), 1, 3, dp, false);
    const dot = dp[0]! * p[0]! + dp[1]! * p[1]! + dp[2]! * p[2]!;
    for (let i = 0; i < 3; i++) close(fused[i]!, p[i]! * (dp[i]! - dot), `fused[${i}]`);
  });
});

describe('whole-model gradients through the tape', () => {
  for (const [loss, act] of [
    ['sparseCategoricalCrossentropy', 'softmax'],
    ['binaryCrossentropy', 'sigmoid'],
    ['mse', 'tanh'],
  ] as const) {
    it(`${loss} with a ${act} output (fused where it applies) matches finite differences`, () => {
      const k = loss === 'sparseCategoricalCrossentropy' ? 3 : 2;
      const model = sequential(
        [
          conv2d({ filters: 2, kernelSize: 2, activation: 'tanh', inputShape: [3, 3, 1] }),
          flatten(),
          batchNormalization(),
          dense({ units: k, activation: act }),
        ],
        { seed: 3, kernels: referenceKernels },
      );
      model.compile({ optimizer: 'sgd', loss });
      const batch = 4;
      const x = randn(batch * 9, 5);
      const y =
        loss === 'sparseCategoricalCrossentropy'
          ? Float32Array.from([0, 2, 1, 2])
          : Float32Array.from({ length: batch * k }, (_, i) => (loss === 'mse' ? Math.sin(i) : i % 3 === 0 ? 1 : 0));
      const spec = model.compiled!.loss;
      const fused = fusesWith(spec, act);
      const lossAt = (): number => {
        const out = model.internals.forward(x, batch, true, createRng(1));
        return computeLoss(spec, out, y, batch, k, null);
      };
      const out = model.internals.forward(x, batch, true, createRng(1));
      const g = new Float32Array(out.length);
      computeLoss(spec, out, y, batch, k, g, fused);
      model.internals.backward(g, batch, fused);
      for (const layer of model.layers) {
        for (const p of layer.params.filter((q) => q.trainable)) {
          const analytic = Float32Array.from(p.grad);
          for (let i = 0; i < p.value.length; i += Math.max(1, Math.floor(p.value.length / 6))) {
            const v = p.value[i]!;
            p.value[i] = v + H;
            const lp = lossAt();
            p.value[i] = v - H;
            const lm = lossAt();
            p.value[i] = v;
            close(analytic[i]!, (lp - lm) / (2 * H), `${layer.name}.${p.name}[${i}]`);
          }
        }
      }
    });
  }
});
