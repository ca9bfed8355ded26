import type { Rng } from '../engine/index.js';
import { sampleUniform, toExternal, toInternal, type Dimension, type ParamValue } from './search-space.js';

/** A finished trial as the samplers see it: its params and its objective, already oriented so lower is better. */
export interface Observation {
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly loss: number;
}

/** TPE settings; the defaults are Optuna's TPESampler defaults. */
export interface TpeOptions {
  /** Candidates drawn from l(x) per param; the one with the best l(x)/g(x) wins. */
  readonly candidates?: number;
}

/** Optuna's default split: the best ⌈10 %⌉ of trials (at most 25) form the "good" density l(x). */
export function tpeGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/**
 * One suggestion by the Tree-structured Parzen Estimator (Bergstra et al. 2011), univariate as Optuna's default:
 * for each param, a Parzen mixture over the good trials l(x) and over the rest g(x), each with a uniform prior
 * component; `candidates` draws from l, keeping the one that maximises log l(x) − log g(x).
 */
export function tpeSuggest(
  dims: readonly Dimension[],
  history: readonly Observation[],
  rng: Rng,
  opts: TpeOptions = {},
): Record<string, ParamValue> {
  const nCandidates = opts.candidates ?? 24;
  const sorted = [...history].filter((h) => Number.isFinite(h.loss)).sort((a, b) => a.loss - b.loss);
  const nGood = tpeGamma(sorted.length);
  const good = sorted.slice(0, nGood);
  const bad = sorted.slice(nGood);
  const out: Record<string, ParamValue> = {};
  for (const d of dims) {
    if (good.length === 0) {
      out[d.key] = sampleUniform(d, rng);
      continue;
    }
    if (d.kind === 'choice') {
      const l = categoricalWeights(
        d.values,
        good.map((o) => o.params[d.key]!),
      );
      const g = categoricalWeights(
        d.values,
        bad.map((o) => o.params[d.key]!),
      );
      let best = 0;
      let bestScore = -Infinity;
      for (let c = 0; c < nCandidates; c++) {
        const i = drawIndex(l, rng);
        const score = Math.log(l[i]!) - Math.log(g[i]!);
        if (score > bestScore) [best, bestScore] = [i, score];
      }
      out[d.key] = d.values[best]!;
    } else {
      const l = parzen(
        d,
        good.map((o) => toInternal(d, o.params[d.key] as number)),
      );
      const g = parzen(
        d,
        bad.map((o) => toInternal(d, o.params[d.key] as number)),
      );
      let best = 0;
      let bestScore = -Infinity;
      for (let c = 0; c < nCandidates; c++) {
        const x = sampleMixture(l, d, rng);
        const score = logDensity(l, d, x) - logDensity(g, d, x);
        if (score > bestScore) [best, bestScore] = [x, score];
      }
      out[d.key] = toExternal(d, best);
    }
  }
  return out;
}

/** Counts plus a prior weight of 1 spread over the choices, normalised (Optuna's categorical Parzen estimator). */
function categoricalWeights(values: readonly ParamValue[], seen: readonly ParamValue[]): number[] {
  const w = values.map(() => 1 / values.length);
  for (const v of seen) {
    const i = values.indexOf(v);
    if (i >= 0) w[i]! += 1;
  }
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / total);
}

function drawIndex(weights: readonly number[], rng: Rng): number {
  let u = rng.next();
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u <= 0) return i;
  }
  return weights.length - 1;
}

interface Mixture {
  readonly mus: number[];
  readonly sigmas: number[];
  readonly weights: number[];
}

/**
 * Gaussians at each observation plus a prior at the range's centre with σ = the range; each σ is the larger gap to a
 * sorted neighbour, clipped to [range / min(100, n + 1), range] (Optuna's "magic clip"); equal weights.
 */
function parzen(d: Extract<Dimension, { kind: 'range' }>, xs: readonly number[]): Mixture {
  const range = d.high - d.low;
  const points = [...xs.map((mu) => ({ mu, prior: false })), { mu: (d.low + d.high) / 2, prior: true }].sort((a, b) => a.mu - b.mu);
  const minSigma = range / Math.min(100, points.length + 1);
  const mus = points.map((p) => p.mu);
  const sigmas = points.map((p, i) => {
    if (p.prior) return range;
    const left = i > 0 ? p.mu - mus[i - 1]! : p.mu - d.low;
    const right = i < mus.length - 1 ? mus[i + 1]! - p.mu : d.high - p.mu;
    return Math.min(range, Math.max(minSigma, left, right));
  });
  return { mus, sigmas, weights: mus.map(() => 1 / mus.length) };
}

function sampleMixture(m: Mixture, d: Extract<Dimension, { kind: 'range' }>, rng: Rng): number {
  const i = drawIndex(m.weights, rng);
  // Truncated to the bounds by rejection (a handful of tries), then clamped.
  for (let t = 0; t < 16; t++) {
    const x = m.mus[i]! + m.sigmas[i]! * rng.normal();
    if (x >= d.low && x <= d.high) return x;
  }
  return Math.min(d.high, Math.max(d.low, m.mus[i]!));
}

/** log of the truncated mixture density at x. */
function logDensity(m: Mixture, d: Extract<Dimension, { kind: 'range' }>, x: number): number {
  let p = 0;
  for (let i = 0; i < m.mus.length; i++) {
    const s = m.sigmas[i]!;
    const z = (x - m.mus[i]!) / s;
    const mass = normCdf((d.high - m.mus[i]!) / s) - normCdf((d.low - m.mus[i]!) / s);
    p += (m.weights[i]! * Math.exp(-0.5 * z * z)) / (s * Math.sqrt(2 * Math.PI) * Math.max(mass, 1e-12));
  }
  return Math.log(Math.max(p, 1e-300));
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf, |error| < 1.5e-7: plenty for ranking candidates). */
function normCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
