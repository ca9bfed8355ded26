import type { Conv2dGeometry, Kernels } from '../kernels/kernels.js';
import type { Rng } from '../random.js';
import { SlipwayError } from '../../errors/index.js';

/** Activations a layer may end with; 'softmax' runs over the last axis. */
export type ActivationName = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax';

export const ACTIVATIONS: readonly ActivationName[] = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'];

/** One weight tensor of a layer and its gradient (overwritten by each backward pass). */
export interface Param {
  readonly name: string;
  readonly shape: readonly number[];
  value: Float32Array;
  readonly grad: Float32Array;
  /** False for statistics such as batch normalization's moving mean (saved, never optimised). */
  readonly trainable: boolean;
}

/** What a layer's forward and backward passes get from the model. */
export interface StepContext {
  readonly kernels: Kernels;
  readonly training: boolean;
  readonly rng: Rng;
  /** Set during DP-SGD's norm pass: weighted layers hand it their inputs and output gradients instead of summing weight gradients. */
  readonly perExample?: PerExampleSink;
}

/**
 * Receives, during a backward pass, what per-example weight gradients are made of (DP-SGD's norm pass):
 * `dz` is ∂L/∂pre-activation. Dense gradients are Σ_rows x ⊗ dz, conv gradients the filter backward of one image.
 */
export interface PerExampleSink {
  dense(
    layer: Layer,
    x: Float32Array,
    dz: Float32Array,
    batch: number,
    rowsPer: number,
    inF: number,
    units: number,
    hasBias: boolean,
  ): void;
  conv2d(layer: Layer, geo: Conv2dGeometry, x: Float32Array, dz: Float32Array, weights: number, hasBias: boolean): void;
}

/**
 * A layer of a sequential model. `forward` caches what `backward` needs; `backward` writes its params' gradients
 * and returns ∂L/∂input (null when `needInputGrad` is false, which saves the first layer's biggest pass).
 * Output buffers are reused between calls of the same batch size, so callers copy what they keep.
 */
export interface Layer {
  readonly type: string;
  name: string;
  /** Keras-style config saved in model.json; the layer's factory accepts it back. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Input shape (without batch) given to the constructor, as Keras' `inputShape`. */
  readonly declaredInputShape?: readonly number[];
  /** The activation the layer ends with (for fused loss gradients). */
  readonly activation?: ActivationName;
  inputShape: readonly number[];
  outputShape: readonly number[];
  params: Param[];
  /** Creates weights for an input shape (without batch); returns the output shape. Throws SHAPE_MISMATCH. */
  build(inputShape: readonly number[], rng: Rng): readonly number[];
  forward(x: Float32Array, batch: number, ctx: StepContext): Float32Array;
  /** `dyIsPreActivation`: dy is already ∂L/∂(pre-activation) (softmax/sigmoid fused with the loss). */
  backward(dy: Float32Array, batch: number, ctx: StepContext, needInputGrad: boolean, dyIsPreActivation: boolean): Float32Array | null;
}

/**
 * A layer's kernel geometry with the batch size filled in, one object per (geometry, batch): a fresh spread per
 * forward call survived V8's scavenges and was the largest allocation of a batch-1 prediction. A rebuilt layer's new
 * geometry object is picked up by identity.
 */
export function geometryForBatch(): (base: Omit<Conv2dGeometry, 'batch'>, batch: number) => Conv2dGeometry {
  let from: Omit<Conv2dGeometry, 'batch'> | undefined;
  let last: Conv2dGeometry | undefined;
  return (base, batch) => {
    if (last && from === base && last.batch === batch) return last;
    from = base;
    return (last = { ...base, batch });
  };
}

/**
 * Returns `buf` when it has `size` elements, a view of its memory when that is big enough, else a new buffer (reuse
 * across steps). The view matters for DP-SGD, whose Poisson-sampled batches change size every step: reallocating
 * megabytes of activations each step cost more in GC than the step's kernels. Kernels overwrite their outputs.
 */
export function reuse(buf: Float32Array | undefined, size: number): Float32Array {
  if (buf && buf.length === size) return buf;
  if (buf && buf.buffer.byteLength >= size * 4) return new Float32Array(buf.buffer, 0, size);
  return new Float32Array(size);
}

/** A param with a zeroed gradient. */
export function param(name: string, shape: readonly number[], value: Float32Array, trainable = true): Param {
  return { name, shape, value, grad: new Float32Array(trainable ? value.length : 0), trainable };
}

/** Validates an activation name from user config. */
export function checkActivation(a: unknown, layer: string): ActivationName {
  const v = a ?? 'linear';
  if (typeof v === 'string' && (ACTIVATIONS as readonly string[]).includes(v)) return v as ActivationName;
  throw new SlipwayError('LAYER_INVALID', `${layer}: unknown activation ${JSON.stringify(a)}; use one of ${ACTIVATIONS.join(', ')}`, {
    layer,
  });
}

/** A positive integer option, or LAYER_INVALID naming the layer and key. */
export function positiveInt(v: unknown, layer: string, key: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  throw new SlipwayError('LAYER_INVALID', `${layer}: ${key} must be a positive integer, got ${JSON.stringify(v)}`, { layer, key });
}

/** A size given as `n` or `[h, w]`, normalised to `[h, w]`. */
export function pair(v: unknown, layer: string, key: string): [number, number] {
  if (Array.isArray(v) && v.length === 2) return [positiveInt(v[0], layer, key), positiveInt(v[1], layer, key)];
  const n = positiveInt(v, layer, key);
  return [n, n];
}

/** y = act(y + bias) in place over rows × cols; softmax runs over each row. */
export function applyActivation(
  k: Kernels,
  y: Float32Array,
  bias: Float32Array | null,
  rows: number,
  cols: number,
  act: ActivationName,
): void {
  if (act !== 'softmax') {
    k.biasActivation(y, bias, rows, cols, act);
    return;
  }
  if (bias) k.biasActivation(y, bias, rows, cols, 'linear');
  softmaxRows(y, rows, cols);
}

/** Numerically stable softmax of each row, in place. */
export function softmaxRows(y: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) if (y[o + c]! > max) max = y[o + c]!;
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(y[o + c]! - max);
      y[o + c] = e;
      sum += e;
    }
    for (let c = 0; c < cols; c++) y[o + c] = y[o + c]! / sum;
  }
}

/** out = ∂L/∂pre given dy = ∂L/∂y and the activation's output y. */
export function activationBackward(
  k: Kernels,
  dy: Float32Array,
  y: Float32Array,
  act: ActivationName,
  rows: number,
  cols: number,
  out: Float32Array,
): void {
  if (act !== 'softmax') {
    k.activationBackward(dy, y, act, out);
    return;
  }
  // softmax Jacobian-vector product: dz = y ⊙ (dy − Σ dy·y) per row.
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let dot = 0;
    for (let c = 0; c < cols; c++) dot += dy[o + c]! * y[o + c]!;
    for (let c = 0; c < cols; c++) out[o + c] = y[o + c]! * (dy[o + c]! - dot);
  }
}

/** Throws SHAPE_MISMATCH naming the layer, the expected and the actual shape. */
export function shapeMismatch(layer: string, expected: string, got: readonly number[]): SlipwayError {
  return new SlipwayError(
    'SHAPE_MISMATCH',
    `layer ${layer} expects input ${expected} but got [${got.join(', ')}]; check the previous layer or the data's shape`,
    { layer, expected, got: [...got] },
  );
}
