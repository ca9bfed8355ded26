import { createRng } from '../engine/random.js';
import { SlipwayError } from '../errors/index.js';
import type { Attributions } from './integrated-gradients.js';

/** Runs a model on `n` rows (row-major, one input each) and returns its outputs (n × outputs). */
export type BatchPredict = (rows: Float32Array, n: number) => Promise<Float32Array>;

/** Options of `kernelShap`. */
export interface KernelShapOptions {
  readonly target?: number | undefined;
  /** Values of absent features (default zeros). */
  readonly baseline?: Float32Array | undefined;
  /** Feature → group index (e.g. 4×4 patches of an image); default one group per feature. */
  readonly groups?: Int32Array | undefined;
  /** Coalitions evaluated when they cannot all be enumerated (default 2048). */
  readonly samples?: number | undefined;
  /** Seeds the coalition sampling (default 0): the same seed gives the same attributions. */
  readonly seed?: number | undefined;
  /** Rows per model call (default 512). */
  readonly batchSize?: number | undefined;
}

function choose(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

/** Solves the symmetric positive (semi-)definite system A·x = b by Gaussian elimination with partial pivoting. */
function solve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]!) > Math.abs(a[p * n + c]!)) p = r;
    if (p !== c) {
      for (let k = 0; k < n; k++) [a[c * n + k], a[p * n + k]] = [a[p * n + k]!, a[c * n + k]!];
      [b[c], b[p]] = [b[p]!, b[c]!];
    }
    const d = a[c * n + c]! || 1e-12;
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c]! / d;
      if (f === 0) continue;
      for (let k = c; k < n; k++) a[r * n + k] = a[r * n + k]! - f * a[c * n + k]!;
      b[r] = b[r]! - f * b[c]!;
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let v = b[r]!;
    for (let k = r + 1; k < n; k++) v -= a[r * n + k]! * x[k]!;
    x[r] = v / (a[r * n + r]! || 1e-12);
  }
  return x;
}

/**
 * KernelSHAP (Lundberg and Lee 2017) against one baseline: coalitions of feature groups, each scored by the model
 * on the input with absent groups set to the baseline, fitted by the Shapley-kernel weighted least squares with
 * the efficiency constraint Σφ = f(x) − f(baseline). Up to 2^M − 2 ≤ `samples` coalitions are enumerated (exact
 * Shapley values); otherwise coalition sizes are drawn from the kernel, in complementary pairs, from a seeded RNG.
 * Works with any runtime (ONNX included): it only calls `predict`.
 */
export async function kernelShap(predict: BatchPredict, x: Float32Array, opts: KernelShapOptions = {}): Promise<Attributions> {
  const f = x.length;
  const baseline = opts.baseline ?? new Float32Array(f);
  if (baseline.length !== f) throw new SlipwayError('EXPLAIN_INVALID', `the baseline has ${baseline.length} values, the input ${f}`, {});
  const groups = opts.groups ?? Int32Array.from({ length: f }, (_, i) => i);
  const M = Math.max(...groups) + 1;
  if (M < 2) throw new SlipwayError('EXPLAIN_INVALID', 'KernelSHAP needs at least two features (or groups)', {});
  const ends = await predict(Float32Array.from([...x, ...baseline]), 2);
  const width = ends.length / 2;
  const output = Array.from(ends.subarray(0, width));
  const target = opts.target ?? output.indexOf(Math.max(...output));
  if (!(target >= 0 && target < width))
    throw new SlipwayError('EXPLAIN_INVALID', `target ${target} is outside the model's ${width} outputs; pick 0…${width - 1}`, {});
  const fx = output[target]!;
  const fb = ends[width + target]!;
  const budget = Math.max(2 * M, opts.samples ?? 2048);
  // Coalitions as 0/1 masks over groups, with their regression weights.
  const masks: Uint8Array[] = [];
  const weights: number[] = [];
  if (M <= 20 && 2 ** M - 2 <= budget) {
    for (let bits = 1; bits < 2 ** M - 1; bits++) {
      const z = new Uint8Array(M);
      let k = 0;
      for (let i = 0; i < M; i++) if ((bits >> i) & 1) ((z[i] = 1), k++);
      masks.push(z);
      weights.push((M - 1) / (choose(M, k) * k * (M - k)));
    }
  } else {
    const rng = createRng(opts.seed ?? 0);
    const sizeW = Array.from({ length: M - 1 }, (_, i) => (M - 1) / ((i + 1) * (M - 1 - i)));
    const total = sizeW.reduce((a, v) => a + v, 0);
    while (masks.length < budget) {
      let u = rng.next() * total;
      let k = 1;
      while (k < M - 1 && u > sizeW[k - 1]!) ((u -= sizeW[k - 1]!), k++);
      const order = Int32Array.from({ length: M }, (_, i) => i);
      for (let i = 0; i < k; i++) {
        const j = i + Math.floor(rng.next() * (M - i));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const z = new Uint8Array(M);
      for (let i = 0; i < k; i++) z[order[i]!] = 1;
      masks.push(
        z,
        z.map((v) => 1 - v),
      );
      weights.push(1, 1);
    }
  }
  const values = new Float64Array(masks.length);
  const per = Math.max(1, opts.batchSize ?? 512);
  for (let start = 0; start < masks.length; start += per) {
    const n = Math.min(per, masks.length - start);
    const rows = new Float32Array(n * f);
    for (let r = 0; r < n; r++) {
      const z = masks[start + r]!;
      for (let i = 0; i < f; i++) rows[r * f + i] = z[groups[i]!] ? x[i]! : baseline[i]!;
    }
    const out = await predict(rows, n);
    for (let r = 0; r < n; r++) values[start + r] = out[r * width + target]!;
  }
  // Eliminate the last group with the efficiency constraint, then solve the weighted normal equations.
  const delta = fx - fb;
  const m = M - 1;
  const A = new Float64Array(m * m);
  const B = new Float64Array(m);
  const row = new Float64Array(m);
  masks.forEach((z, s) => {
    const w = weights[s]!;
    const zl = z[M - 1]!;
    for (let i = 0; i < m; i++) row[i] = z[i]! - zl;
    const y = values[s]! - fb - zl * delta;
    for (let i = 0; i < m; i++) {
      if (row[i] === 0) continue;
      B[i] = B[i]! + w * row[i]! * y;
      for (let j = 0; j < m; j++) A[i * m + j] = A[i * m + j]! + w * row[i]! * row[j]!;
    }
  });
  const phi = solve(A, B, m);
  const groupPhi = new Float64Array(M);
  let rest = delta;
  for (let i = 0; i < m; i++) {
    groupPhi[i] = phi[i]!;
    rest -= phi[i]!;
  }
  groupPhi[M - 1] = rest;
  // A group's value is shared equally by its features, so per-feature attributions still sum to f(x) − f(b).
  const size = new Float64Array(M);
  for (let i = 0; i < f; i++) size[groups[i]!]!++;
  const attributions = Float32Array.from({ length: f }, (_, i) => groupPhi[groups[i]!]! / size[groups[i]!]!);
  let sum = 0;
  for (const a of attributions) sum += a;
  return { method: 'kernel_shap', target, output, value: fx, baselineValue: fb, attributions, completenessGap: sum - delta };
}
