import { SlipwayError } from '../errors/index.js';
import type { ActivationName } from './layers/layer.js';

/** The losses the engine trains with. */
export type LossName = 'mse' | 'binaryCrossentropy' | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy';

/** A loss and whether the model's outputs are logits (no softmax/sigmoid applied). */
export interface LossSpec {
  readonly name: LossName;
  readonly fromLogits: boolean;
}

/** Keras' clip for probabilities, so log() never sees 0. */
const EPS = 1e-7;

const ALIASES: Record<string, LossName> = {
  mse: 'mse',
  meansquarederror: 'mse',
  binarycrossentropy: 'binaryCrossentropy',
  categoricalcrossentropy: 'categoricalCrossentropy',
  sparsecategoricalcrossentropy: 'sparseCategoricalCrossentropy',
};

/** Resolves a loss given as a name (camelCase, snake_case or Keras class name) or `{ name, fromLogits }`. */
export function resolveLoss(loss: string | { name: string; fromLogits?: boolean }): LossSpec {
  const raw = typeof loss === 'string' ? loss : loss.name;
  const name =
    ALIASES[
      String(raw)
        .replace(/[_\s-]/g, '')
        .toLowerCase()
    ];
  if (!name) {
    throw new SlipwayError(
      'LOSS_UNKNOWN',
      `unknown loss ${JSON.stringify(raw)}; use one of mse, binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy`,
      { loss: raw },
    );
  }
  return { name, fromLogits: typeof loss === 'string' ? false : Boolean(loss.fromLogits) };
}

/** Columns per sample that `yTrue` must have for a loss over `k` outputs. */
export function targetWidth(spec: LossSpec, k: number): number {
  return spec.name === 'sparseCategoricalCrossentropy' ? 1 : k;
}

/** Throws LABEL_OUT_OF_RANGE / INPUT_NOT_FINITE when targets do not fit the loss and the output width `k`. */
export function validateTargets(spec: LossSpec, y: Float32Array, k: number): void {
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (!Number.isFinite(v)) {
      throw new SlipwayError('INPUT_NOT_FINITE', `target ${i} is ${v}; targets must be finite numbers`, { index: i });
    }
    if (spec.name === 'sparseCategoricalCrossentropy' && (!Number.isInteger(v) || v < 0 || v >= k)) {
      throw new SlipwayError(
        'LABEL_OUT_OF_RANGE',
        `label ${v} at row ${i} is not a class index of the model's ${k} outputs (0..${k - 1}); fix the labels or give the last layer more units`,
        { index: i, label: v, classes: k },
      );
    }
    if ((spec.name === 'binaryCrossentropy' || spec.name === 'categoricalCrossentropy') && (v < 0 || v > 1)) {
      throw new SlipwayError('LABEL_OUT_OF_RANGE', `target ${v} at flat index ${i} is outside [0, 1], which ${spec.name} needs`, {
        index: i,
        label: v,
      });
    }
  }
}

/** True when the loss gradient can skip the output activation (softmax/sigmoid fused with cross-entropy). */
export function fusesWith(spec: LossSpec, act: ActivationName | undefined): boolean {
  if (spec.fromLogits) return false;
  if (act === 'softmax') return spec.name === 'categoricalCrossentropy' || spec.name === 'sparseCategoricalCrossentropy';
  if (act === 'sigmoid') return spec.name === 'binaryCrossentropy';
  return false;
}

const clip = (p: number): number => (p < EPS ? EPS : p > 1 - EPS ? 1 - EPS : p);

/**
 * Mean loss over a batch of `batch` rows of `k` outputs (Keras' reduction: mean over the last axis for mse/bce,
 * sum for categorical, then mean over the batch). When `grad` is given it receives ∂loss/∂yPred, or, when `fused`,
 * ∂loss/∂(pre-activation) = (p − t)/batch, which is exact and stable for softmax/sigmoid + cross-entropy.
 */
export function computeLoss(
  spec: LossSpec,
  yPred: Float32Array,
  yTrue: Float32Array,
  batch: number,
  k: number,
  grad: Float32Array | null,
  fused = false,
): number {
  let total = 0;
  const inv = 1 / batch;
  switch (spec.name) {
    case 'mse': {
      const s = 1 / (batch * k);
      for (let i = 0; i < batch * k; i++) {
        const d = yPred[i]! - yTrue[i]!;
        total += d * d;
        if (grad) grad[i] = 2 * d * s;
      }
      return total * s;
    }
    case 'binaryCrossentropy': {
      const s = 1 / (batch * k);
      for (let i = 0; i < batch * k; i++) {
        const t = yTrue[i]!;
        if (spec.fromLogits) {
          const z = yPred[i]!;
          total += Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
          if (grad) grad[i] = (1 / (1 + Math.exp(-z)) - t) * s;
        } else {
          const p = clip(yPred[i]!);
          total -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
          if (grad) grad[i] = fused ? (yPred[i]! - t) * s : ((p - t) / (p * (1 - p))) * s;
        }
      }
      return total * s;
    }
    case 'categoricalCrossentropy':
    case 'sparseCategoricalCrossentropy': {
      const sparse = spec.name === 'sparseCategoricalCrossentropy';
      for (let r = 0; r < batch; r++) {
        const o = r * k;
        const label = sparse ? yTrue[r]! : -1;
        const t = (c: number): number => (sparse ? (c === label ? 1 : 0) : yTrue[o + c]!);
        if (spec.fromLogits) {
          let max = -Infinity;
          for (let c = 0; c < k; c++) max = Math.max(max, yPred[o + c]!);
          let sum = 0;
          for (let c = 0; c < k; c++) sum += Math.exp(yPred[o + c]! - max);
          const lse = max + Math.log(sum);
          let tSum = 0;
          for (let c = 0; c < k; c++) {
            const tc = t(c);
            tSum += tc;
            total += tc * (lse - yPred[o + c]!);
          }
          if (grad) for (let c = 0; c < k; c++) grad[o + c] = (Math.exp(yPred[o + c]! - lse) * tSum - t(c)) * inv;
        } else {
          for (let c = 0; c < k; c++) {
            const tc = t(c);
            const p = clip(yPred[o + c]!);
            if (tc !== 0) total -= tc * Math.log(p);
            if (grad) grad[o + c] = fused ? (yPred[o + c]! - tc) * inv : (-tc / p) * inv;
          }
        }
      }
      return total * inv;
    }
  }
}

/** Correct predictions in a batch: argmax vs label (sparse), argmax vs argmax (one-hot), or 0.5 threshold (one output). */
export function countCorrect(spec: LossSpec, yPred: Float32Array, yTrue: Float32Array, batch: number, k: number): number {
  let correct = 0;
  if (k === 1 || spec.name === 'binaryCrossentropy') {
    const thr = spec.fromLogits ? 0 : 0.5;
    let hits = 0;
    for (let i = 0; i < batch * k; i++) if (yPred[i]! > thr === yTrue[i]! >= 0.5) hits++;
    return hits / k;
  }
  for (let r = 0; r < batch; r++) {
    const o = r * k;
    let best = 0;
    for (let c = 1; c < k; c++) if (yPred[o + c]! > yPred[o + best]!) best = c;
    let truth: number;
    if (spec.name === 'sparseCategoricalCrossentropy') truth = yTrue[r]!;
    else {
      truth = 0;
      for (let c = 1; c < k; c++) if (yTrue[o + c]! > yTrue[o + truth]!) truth = c;
    }
    if (best === truth) correct++;
  }
  return correct;
}
