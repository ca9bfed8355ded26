import { kolmogorovQ } from '../drift-stats.js';

/** Result of the two-sample Kolmogorov–Smirnov test (two-sided), as scipy.stats.ks_2samp computes it. */
export interface Ks2Result {
  readonly statistic: number;
  readonly pValue: number;
  /** `exact` up to 10,000 rows on either side (scipy's MAX_AUTO_N), `asymp` above. */
  readonly mode: 'exact' | 'asymp';
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Largest |F1 − F2| over two sorted samples (right-continuous ECDFs, as searchsorted(side='right')). */
export function ksStatistic(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n1 = x.length;
  const n2 = y.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n1 && j < n2) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < n1 && x[i]! <= v) i++;
    while (j < n2 && y[j]! <= v) j++;
    const diff = Math.abs(i / n1 - j / n2);
    if (diff > d) d = diff;
  }
  return d;
}

/** Proportion of lattice paths leaving the band |x − y| < h when n1 = n2 = n (scipy's _compute_prob_outside_square). */
function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    p = p1 * (1 - p);
  }
  return 2 * p;
}

/**
 * Probability that a random lattice path from (0,0) to (m,n) leaves the band |n·x/g − m·y/g| < h (scipy's
 * _compute_outer_prob_inside_method): one sliding column of probabilities, each cell the weighted mean of its two
 * predecessors, cells outside the band pinned at 1.
 */
function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 < n0 ? [n0, m0] : [m0, n0];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const a = new Float64Array(lenA).fill(1);
  a.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (a[jj + minj - lastminj]! * i + val * j) / (i + j);
      a[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) a.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return a[maxj - minj - 1]!;
}

const PI2 = Math.PI * Math.PI;
const SQRT2PI = Math.sqrt(2 * Math.PI);

/** Pelz–Good approximation of P(D_n ≤ x) or its complement (scipy's _kolmogn_PelzGood). */
function pelzGood(n: number, x: number, cdf: boolean): number {
  if (x <= 0) return cdf ? 0 : 1;
  if (x >= 1) return cdf ? 1 : 0;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return cdf ? 0 : 1;
  let q = Math.exp(qlog);
  const pi4 = PI2 * PI2;
  const pi6 = pi4 * PI2;
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (pi4 * (1 - 2 * z2)) / 16;
  const k3d = (pi6 * (5 - 30 * z2)) / 64;
  const k3c = (pi4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const qp = q ** (8 * k);
    const c = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m2 * m2, k3a + k3b * m2 + k3c * m2 * m2 + k3d * m2 * m2 * m2];
    for (let t = 0; t < 4; t++) K[t] = K[t]! * qp + c[t]!;
  }
  const div = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let t = 0; t < 4; t++) K[t] = (K[t]! * q * SQRT2PI) / div[t]!;
  q = Math.exp(-PI2 / 2 / z2);
  let e2 = 0;
  let e3 = 0;
  const s3z = Math.sqrt(3) * z;
  for (let k = maxk; k > 0; k--) {
    const qk = q ** (k * k);
    e2 += k * k * qk;
    e3 += (s3z + Math.PI * k) * (s3z - Math.PI * k) * k * k * qk;
  }
  K[2] = K[2]! + (e2 * PI2 * SQRT2PI) / (-36 * z3);
  K[3] = K[3]! + (e3 * PI2 * SQRT2PI) / (216 * z6);
  for (let t = 0; t < 4; t++) K[t] = K[t]! / n ** (t / 2);
  if (!cdf) {
    for (let t = 0; t < 4; t++) K[t] = -K[t]!;
    K[0] = K[0]! + 1;
  }
  return K[0]! + K[1]! + K[2]! + K[3]!;
}

/** ln C(n, k). */
function lnChoose(n: number, k: number, lf: Float64Array): number {
  return lf[n]! - lf[k]! - lf[n - k]!;
}

/** One-sided exact Smirnov survival P(D_n⁺ ≥ e) (Birnbaum–Tingey), as scipy.special.smirnov. */
export function smirnov(n: number, e: number): number {
  if (!(e > 0)) return 1;
  if (e >= 1) return 0;
  const lf = new Float64Array(n + 1);
  for (let i = 2; i <= n; i++) lf[i] = lf[i - 1]! + Math.log(i);
  let s = 0;
  const top = Math.floor(n * (1 - e));
  for (let j = 0; j <= top; j++) {
    const a = 1 - e - j / n;
    const b = e + j / n;
    if (a <= 0) {
      continue;
    }
    s += Math.exp(lnChoose(n, j, lf) + (n - j) * Math.log(a) + (j - 1) * Math.log(b));
  }
  return Math.min(1, Math.max(0, e * s));
}

/** Survival of the two-sided one-sample KS statistic D_n at x, on the branches scipy's kstwo.sf takes for n > 140. */
function kstwoSf(n: number, x: number): number {
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 0.5) return 1;
  if (t >= n - 1) return 2 * (1 - x) ** n;
  const nx2 = t * x;
  if (x >= 0.5 || nx2 >= 2.2) return nx2 >= 370 ? 0 : Math.min(1, 2 * smirnov(n, x));
  if (nx2 >= 18) return 0;
  // scipy switches to a Durbin-matrix evaluation for n ≤ 100000 and n·x^1.5 ≤ 1.4; Pelz–Good agrees there to ~1e-9
  // for n above a few thousand, which is the only place the asymptotic mode is reached (max(n1, n2) > 10,000).
  if (n <= 140) return kolmogorovQ(Math.sqrt(n) * x);
  return Math.min(1, Math.max(0, pelzGood(n, x, false)));
}

/** Two-sided two-sample KS test on sorted samples, as scipy.stats.ks_2samp(method='auto'). */
export function ks2samp(x: ArrayLike<number>, y: ArrayLike<number>): Ks2Result {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return { statistic: 0, pValue: 1, mode: 'exact' };
  let d = ksStatistic(x, y);
  if (Math.max(n1, n2) <= 10000) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = Math.round(d * lcm);
    d = h / lcm;
    if (h === 0) return { statistic: d, pValue: 1, mode: 'exact' };
    const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
    if (p >= 0 && p <= 1) return { statistic: d, pValue: p, mode: 'exact' };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  return { statistic: d, pValue: Math.min(1, Math.max(0, kstwoSf(Math.round(en), d))), mode: 'asymp' };
}
