import { SlipwayError } from '../../errors/index.js';
import type { Kernels } from '../kernels/kernels.js';
import type { Layer, Param, PerExampleSink } from '../layers/layer.js';
import type { ModelInternals } from '../model-internals.js';
import type { Model, PrivacyOptions } from '../model.js';
import type { Rng } from '../random.js';

/** Layers DP-SGD backpropagates through: weighted ones hand per-example parts to the sink, the others mix no examples. */
const SUPPORTED = new Set([
  'dense',
  'conv2d',
  'max_pooling2d',
  'average_pooling2d',
  'maxPooling2d',
  'averagePooling2d',
  'flatten',
  'dropout',
  'activation',
]);

/** Validates privacy options and the model's layers (batch normalization mixes examples, so it has no per-example gradient). */
export function checkPrivacy(model: Model, p: PrivacyOptions): PrivacyOptions {
  const bad = (why: string, key: string): SlipwayError => new SlipwayError('PRIVACY_INVALID', `privacy.${key} ${why}`, { key, why });
  if (typeof p.l2NormClip !== 'number' || !(p.l2NormClip > 0) || !Number.isFinite(p.l2NormClip)) {
    throw bad(`must be a positive number (the per-example gradient norm bound), got ${JSON.stringify(p.l2NormClip)}`, 'l2NormClip');
  }
  if (typeof p.noiseMultiplier !== 'number' || !(p.noiseMultiplier >= 0) || !Number.isFinite(p.noiseMultiplier)) {
    throw bad(
      `must be a number ≥ 0 (noise std / l2NormClip; about 1 is usual), got ${JSON.stringify(p.noiseMultiplier)}`,
      'noiseMultiplier',
    );
  }
  if (typeof p.delta !== 'number' || !(p.delta > 0 && p.delta < 1)) {
    throw bad(`must be in (0, 1), usually below 1 / training samples (e.g. 1e-5), got ${JSON.stringify(p.delta)}`, 'delta');
  }
  if (p.targetEpsilon !== undefined && !(typeof p.targetEpsilon === 'number' && p.targetEpsilon > 0)) {
    throw bad(`must be a positive number, got ${JSON.stringify(p.targetEpsilon)}`, 'targetEpsilon');
  }
  for (const l of model.layers) {
    if (!SUPPORTED.has(l.type)) {
      throw new SlipwayError(
        'PRIVACY_UNSUPPORTED_LAYER',
        `DP-SGD cannot compute per-example gradients through layer ${l.name} (${l.type}); remove it or use dense, conv2d, pooling, flatten, dropout and activation layers`,
        { layer: l.name, type: l.type },
      );
    }
  }
  return p;
}

/** Accumulates each example's squared gradient norm over all weighted layers during a norm pass. */
function normSink(kernels: Kernels): { sink: PerExampleSink; sq: () => Float64Array; reset: (batch: number) => void } {
  let sq = new Float64Array(0);
  let scratchW = new Float32Array(0);
  let scratchB = new Float32Array(0);
  const grow = (n: number, w: number, b: number): void => {
    if (scratchW.length < w) scratchW = new Float32Array(w);
    if (scratchB.length < b) scratchB = new Float32Array(b);
    void n;
  };
  const sumSq = (a: Float32Array, n: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[i]! * a[i]!;
    return s;
  };
  const sink: PerExampleSink = {
    dense(_layer: Layer, x, dz, batch, rowsPer, inF, units, hasBias) {
      if (rowsPer === 1) {
        // Ghost norm: example i's kernel gradient is x_i ⊗ dz_i, whose squared Frobenius norm is ‖x_i‖²·‖dz_i‖².
        for (let i = 0; i < batch; i++) {
          let xn = 0;
          let dn = 0;
          for (let j = i * inF, e = j + inF; j < e; j++) xn += x[j]! * x[j]!;
          for (let j = i * units, e = j + units; j < e; j++) dn += dz[j]! * dz[j]!;
          sq[i] = sq[i]! + xn * dn + (hasBias ? dn : 0);
        }
        return;
      }
      // Several rows per example (dense over a sequence): the per-example gradient is a sum of outer products, so form it.
      grow(batch, inF * units, units);
      for (let i = 0; i < batch; i++) {
        const xi = x.subarray(i * rowsPer * inF, (i + 1) * rowsPer * inF);
        const di = dz.subarray(i * rowsPer * units, (i + 1) * rowsPer * units);
        kernels.gemm(true, false, inF, units, rowsPer, xi, di, scratchW, false);
        let s = sumSq(scratchW, inF * units);
        if (hasBias) {
          kernels.sumRows(di, rowsPer, units, scratchB);
          s += sumSq(scratchB, units);
        }
        sq[i] = sq[i]! + s;
      }
    },
    conv2d(_layer: Layer, geo, x, dz, weights, hasBias) {
      // One filter backward per image: the same FLOPs as the batched pass, in smaller GEMMs.
      grow(geo.batch, weights, geo.outC);
      const one = { ...geo, batch: 1 };
      const inSize = geo.inH * geo.inW * geo.inC;
      const outSize = geo.outH * geo.outW * geo.outC;
      for (let i = 0; i < geo.batch; i++) {
        const dw = scratchW.subarray(0, weights);
        const db = hasBias ? scratchB.subarray(0, geo.outC) : null;
        kernels.conv2dBackwardFilter(one, x.subarray(i * inSize, (i + 1) * inSize), dz.subarray(i * outSize, (i + 1) * outSize), dw, db);
        sq[i] = sq[i]! + sumSq(dw, weights) + (db ? sumSq(db, geo.outC) : 0);
      }
    },
  };
  return {
    sink,
    sq: () => sq,
    reset(batch) {
      if (sq.length < batch) sq = new Float64Array(batch);
      sq.fill(0, 0, batch);
    },
  };
}

/** One DP-SGD gradient computation over a batch whose forward pass (training mode) has just run. */
export interface PrivateStep {
  /**
   * `g` is the batch's loss gradient as `computeLoss` writes it (mean over the batch; it is overwritten). Leaves in
   * each param's `grad`: (Σ_i clip(∇ℓ_i) + N(0, (σC)²)) / expectedBatch. Returns each example's gradient norm
   * before clipping (a view valid until the next call). `bs` 0 is a noise-only step, as Poisson sampling can draw.
   */
  run(g: Float32Array, bs: number, fused: boolean, noise: Rng, expectedBatch: number): Float64Array;
}

/** Binds DP-SGD's two-pass clipping to a model: a norm pass (ghost norms), then one ordinary backward of the rescaled loss gradient. */
export function createPrivateStep(model: Model, internals: ModelInternals, params: readonly Param[], p: PrivacyOptions): PrivateStep {
  const norms = normSink(model.kernels);
  const out = new Float64Array(0);
  return {
    run(g, bs, fused, noise, expectedBatch) {
      const C = p.l2NormClip;
      let result: Float64Array = out;
      if (bs > 0) {
        // ∂ℓ_i: computeLoss averages over the batch, the per-example losses are not averaged.
        for (let j = 0; j < g.length; j++) g[j] = g[j]! * bs;
        norms.reset(bs);
        internals.backwardPerExample(g, bs, fused, norms.sink);
        const sq = norms.sq();
        const row = g.length / bs;
        // Every param gradient is linear in the loss gradient of each example, so scaling example i's rows of g by
        // min(1, C/‖∇ℓ_i‖) makes the second, ordinary backward produce the sum of clipped per-example gradients.
        for (let i = 0; i < bs; i++) {
          const n = Math.sqrt(sq[i]!);
          sq[i] = n;
          const s = Math.min(1, C / (n + 1e-6));
          if (s < 1) for (let j = i * row, e = j + row; j < e; j++) g[j] = g[j]! * s;
        }
        internals.backward(g, bs, fused);
        result = sq.subarray(0, bs);
      } else {
        for (const q of params) q.grad.fill(0);
      }
      const std = p.noiseMultiplier * C;
      const inv = 1 / expectedBatch;
      for (const q of params) {
        const gr = q.grad;
        if (std > 0) for (let j = 0; j < gr.length; j++) gr[j] = (gr[j]! + std * noise.normal()) * inv;
        else for (let j = 0; j < gr.length; j++) gr[j] = gr[j]! * inv;
      }
      return result;
    },
  };
}
