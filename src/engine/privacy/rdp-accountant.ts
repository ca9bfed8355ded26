/**
 * Rényi-DP accounting of the Poisson-subsampled Gaussian mechanism (Mironov, Talwar & Zhang 2019, "Rényi
 * Differential Privacy of the Sampled Gaussian Mechanism", §3.3), with the orders and the integer/fractional
 * α formulas Opacus's RDP accountant uses, and the RDP → (ε, δ) conversion of Balle et al. 2020 (Theorem 21),
 * which is what Opacus's `get_privacy_spent` does.
 */

/** Opacus's default orders: 1.1, 1.2, …, 10.9, then 12 … 63. */
export const DEFAULT_ORDERS: readonly number[] = [
  ...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10),
  ...Array.from({ length: 52 }, (_, i) => 12 + i),
];

/** log(e^x + e^y) without overflow. */
function logAdd(x: number, y: number): number {
  const a = Math.min(x, y);
  const b = Math.max(x, y);
  if (a === -Infinity) return b;
  return Math.log1p(Math.exp(a - b)) + b;
}

/** log(e^x − e^y) for x ≥ y. */
function logSub(x: number, y: number): number {
  if (y === -Infinity) return x;
  if (x <= y) return -Infinity;
  const d = x - y;
  return d > 700 ? x : Math.log(Math.expm1(d)) + y;
}

/** log Γ(x) for x > 0 (Lanczos, g = 7; ~1e-15 relative). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let s = c[0]!;
  for (let i = 1; i < 9; i++) s += c[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** log |C(α, i)| and the sign of the generalised binomial coefficient, for real α and integer i ≥ 0. */
function logBinom(alpha: number, i: number): { log: number; sign: number } {
  let sign = 1;
  // C(α, i) = Π_{j<i} (α − j) / i!; the factors turn negative once j > α.
  for (let j = 0; j < i; j++) if (alpha - j < 0) sign = -sign;
  if (Number.isInteger(alpha) && i > alpha) return { log: -Infinity, sign: 0 };
  let log = -logGamma(i + 1);
  for (let j = 0; j < i; j++) log += Math.log(Math.abs(alpha - j));
  return { log, sign };
}

/** erfc(x) for x ≥ 0 as log, accurate in the far tail (continued fraction) and near 0 (Taylor series of erf). */
function logErfcNonNeg(x: number): number {
  if (x < 2) {
    // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1)); 60 terms are plenty below 2.
    let term = x;
    let sum = x;
    for (let n = 1; n < 80; n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return Math.log(1 - (2 / Math.sqrt(Math.PI)) * sum);
  }
  // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated bottom-up.
  let f = x;
  for (let k = 120; k >= 1; k--) f = x + k / 2 / f;
  return -x * x - 0.5 * Math.log(Math.PI) - Math.log(f);
}

/** log erfc(x) for any real x (Opacus computes it as log 2 + log_ndtr(−x√2)). */
export function logErfc(x: number): number {
  if (x >= 0) return logErfcNonNeg(x);
  return Math.log(2 - Math.exp(logErfcNonNeg(-x)));
}

function logAIntAlpha(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity;
  for (let i = 0; i <= alpha; i++) {
    const c = logBinom(alpha, i).log + i * Math.log(q) + (alpha - i) * Math.log(1 - q);
    logA = logAdd(logA, c + (i * i - i) / (2 * sigma * sigma));
  }
  return logA;
}

function logAFracAlpha(q: number, sigma: number, alpha: number): number {
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  // C(α, i) = C(α, i−1)·(α − i + 1)/i, kept as log-magnitude and sign (the series runs to hundreds of terms).
  let logCoef = 0;
  let sign = 1;
  for (let i = 0; ; i++) {
    if (i > 0) {
      const f = alpha - i + 1;
      logCoef += Math.log(Math.abs(f)) - Math.log(i);
      if (f < 0) sign = -sign;
    }
    const j = alpha - i;
    const logT0 = logCoef + i * Math.log(q) + j * Math.log(1 - q);
    const logT1 = logCoef + j * Math.log(q) + i * Math.log(1 - q);
    const logE0 = Math.log(0.5) + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    const logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
    if (sign > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < -30 || i > 10_000) break;
  }
  return logAdd(logA0, logA1);
}

/** RDP of one step of the sampled Gaussian mechanism at order α (sample rate q, noise multiplier σ). */
export function rdpOfStep(q: number, sigma: number, alpha: number): number {
  if (q === 0) return 0;
  if (sigma === 0) return Infinity;
  if (q === 1) return alpha / (2 * sigma * sigma);
  if (!Number.isFinite(alpha)) return Infinity;
  const logA = Number.isInteger(alpha) ? logAIntAlpha(q, sigma, alpha) : logAFracAlpha(q, sigma, alpha);
  return logA / (alpha - 1);
}

/** RDP after `steps` steps at each order. */
export function computeRdp(q: number, sigma: number, steps: number, orders: readonly number[] = DEFAULT_ORDERS): number[] {
  return orders.map((a) => rdpOfStep(q, sigma, a) * steps);
}

/** The smallest ε over the orders for which RDP implies (ε, δ)-DP (Balle et al. 2020, Thm 21), and that order. */
export function epsilonFromRdp(
  rdp: readonly number[],
  delta: number,
  orders: readonly number[] = DEFAULT_ORDERS,
): { epsilon: number; order: number } {
  let best = Infinity;
  let order = NaN;
  orders.forEach((a, i) => {
    const eps = rdp[i]! - (Math.log(delta) + Math.log(a)) / (a - 1) + Math.log((a - 1) / a);
    if (eps < best) {
      best = eps;
      order = a;
    }
  });
  return { epsilon: best, order };
}

/** ε spent after `steps` steps of the Poisson-subsampled Gaussian mechanism. */
export function epsilonSpent(q: number, sigma: number, steps: number, delta: number): number {
  return epsilonFromRdp(computeRdp(q, sigma, steps), delta).epsilon;
}

/** The smallest noise multiplier (to 0.1 %) whose ε after `steps` steps at rate q stays ≤ targetEpsilon (Opacus's get_noise_multiplier). */
export function noiseMultiplierFor(targetEpsilon: number, q: number, steps: number, delta: number): number {
  let lo = 0;
  let hi = 10;
  while (epsilonSpent(q, hi, steps, delta) > targetEpsilon) {
    lo = hi;
    hi *= 2;
    if (hi > 1e4) return Infinity;
  }
  while (hi - lo > 1e-3 * hi) {
    const mid = (lo + hi) / 2;
    if (epsilonSpent(q, mid, steps, delta) > targetEpsilon) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Accumulates steps (possibly with different q, σ) and reports ε like Opacus's RDPAccountant. */
export class RdpAccountant {
  private readonly rdp: number[] = DEFAULT_ORDERS.map(() => 0);
  private readonly perStep = new Map<string, number[]>();
  steps = 0;

  /** Records `count` steps with sample rate q and noise multiplier σ. */
  step(q: number, sigma: number, count = 1): void {
    const key = `${q}:${sigma}`;
    let r = this.perStep.get(key);
    if (!r) {
      r = computeRdp(q, sigma, 1);
      this.perStep.set(key, r);
    }
    for (let i = 0; i < r.length; i++) this.rdp[i] = this.rdp[i]! + r[i]! * count;
    this.steps += count;
  }

  /** ε at δ if one more step with (q, σ) were taken (to stop before a target is passed). */
  epsilonAfter(q: number, sigma: number, delta: number): number {
    this.step(q, sigma);
    const eps = this.epsilon(delta);
    const r = this.perStep.get(`${q}:${sigma}`)!;
    for (let i = 0; i < r.length; i++) this.rdp[i] = this.rdp[i]! - r[i]!;
    this.steps -= 1;
    return eps;
  }

  /** ε at δ for the steps recorded so far. */
  epsilon(delta: number): number {
    return this.steps === 0 ? 0 : epsilonFromRdp(this.rdp, delta).epsilon;
  }
}
