import type { Model } from '../engine/index.js';
import { SlipwayError } from '../errors/index.js';
import { inputGradients } from './input-gradients.js';

/** Options of `integratedGradients`. */
export interface IntegratedGradientsOptions {
  /** The output explained (default: the predicted class, the argmax). */
  readonly target?: number | undefined;
  /** The reference input (default: all zeros, a black image or the all-zero row). */
  readonly baseline?: Float32Array | undefined;
  /** Trapezoid steps along the path (default 50); doubled while Σ attributions misses f(x) − f(baseline) by > 0.5 %. */
  readonly steps?: number | undefined;
  /** The most steps the doubling may reach (default 16 × steps). */
  readonly maxSteps?: number | undefined;
  /** Rows per forward/backward pass (default: every step at once). */
  readonly batchSize?: number | undefined;
}

/** Attributions of one input: Σ attributions ≈ f(x)[target] − f(baseline)[target] (completeness). */
export interface Attributions {
  readonly method: 'integrated_gradients' | 'kernel_shap';
  readonly target: number;
  /** The model's outputs for the input. */
  readonly output: readonly number[];
  /** f(x)[target] and f(baseline)[target]. */
  readonly value: number;
  readonly baselineValue: number;
  /** One per input feature (pixel, column or feature group member), in input order. */
  readonly attributions: Float32Array;
  /** Σ attributions − (value − baselineValue): how far the approximation is from completeness. */
  readonly completenessGap: number;
}

/**
 * Integrated gradients (Sundararajan, Taly and Yan 2017) with the trapezoidal rule over `steps` intervals:
 * attribution_i = (x_i − x'_i) · mean over the path of ∂f_target/∂x_i, the path's points run as one batch so a
 * 50-step MNIST explanation is one forward and one backward pass of 51 images.
 */
export function integratedGradients(model: Model, x: Float32Array, opts: IntegratedGradientsOptions = {}): Attributions {
  const first = Math.max(1, Math.floor(opts.steps ?? 50));
  const most = Math.max(first, opts.maxSteps ?? 16 * first);
  let a = integrateOnce(model, x, first, opts);
  // ReLU kinks along the path make the integrand piecewise constant; the trapezoid's error halves as steps double.
  for (let steps = first * 2; steps <= most && Math.abs(a.completenessGap) > 0.005 * Math.abs(a.value - a.baselineValue) + 1e-7; steps *= 2)
    a = integrateOnce(model, x, steps, opts);
  return a;
}

function integrateOnce(model: Model, x: Float32Array, steps: number, opts: IntegratedGradientsOptions): Attributions {
  const f = x.length;
  const baseline = opts.baseline ?? new Float32Array(f);
  if (baseline.length !== f) throw new SlipwayError('EXPLAIN_INVALID', `the baseline has ${baseline.length} values, the input ${f}`, {});
  let target = opts.target ?? -1;
  let output: number[] = [];
  let value = NaN;
  let baselineValue = NaN;
  const sum = new Float64Array(f);
  const points = steps + 1;
  const per = Math.max(1, Math.min(points, opts.batchSize ?? points));
  // Batches from the end of the path, so the first one holds x and fixes the target.
  for (let end = points; end > 0; end -= per) {
    const start = Math.max(0, end - per);
    const n = end - start;
    const batch = new Float32Array(n * f);
    for (let r = 0; r < n; r++) {
      const a = (start + r) / steps;
      for (let i = 0; i < f; i++) batch[r * f + i] = baseline[i]! + a * (x[i]! - baseline[i]!);
    }
    // The path's last point is x itself (α = 1): its outputs give the predicted class when no target is given.
    const last = start + n - 1 === steps;
    const g = inputGradients(model, batch, n, (out, width) => {
      if (last) output = Array.from(out.subarray((n - 1) * width, n * width));
      if (target < 0) {
        target = output.indexOf(Math.max(...output));
      }
      if (start === 0) baselineValue = out[target]!;
      return target;
    });
    const gradients = g.gradients;
    for (let r = 0; r < n; r++) {
      const k = start + r;
      // Trapezoid: the two ends weigh half.
      const w = k === 0 || k === steps ? 0.5 : 1;
      for (let i = 0; i < f; i++) sum[i] = sum[i]! + w * gradients[r * f + i]!;
    }
  }
  value = output[target]!;
  const attributions = new Float32Array(f);
  let total = 0;
  for (let i = 0; i < f; i++) {
    const v = ((x[i]! - baseline[i]!) * sum[i]!) / steps;
    attributions[i] = v;
    total += v;
  }
  return {
    method: 'integrated_gradients',
    target,
    output,
    value,
    baselineValue,
    attributions,
    completenessGap: total - (value - baselineValue),
  };
}
