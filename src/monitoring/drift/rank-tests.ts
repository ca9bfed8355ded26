import { lnGamma } from '../drift-stats.js';

/** A test's statistic and p-value. */
export interface TestResult {
  readonly statistic: number;
  readonly pValue: number;
}

/** Walks the distinct values of two sorted samples in order, with each one's count in either sample. */
function forEachDistinct(x: ArrayLike<number>, y: ArrayLike<number>, fn: (cx: number, cy: number) => void): void {
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    const v = j >= y.length || (i < x.length && x[i]! <= y[j]!) ? x[i]! : y[j]!;
    let cx = 0;
    let cy = 0;
    while (i < x.length && x[i] === v) (i++, cx++);
    while (j < y.length && y[j] === v) (j++, cy++);
    fn(cx, cy);
  }
}

/** Number of distinct values over two sorted samples, counting stops at `cap` (callers only ask "more than 5?"). */
export function distinctCount(x: ArrayLike<number>, y: ArrayLike<number>, cap = Infinity): number {
  let i = 0;
  let j = 0;
  let k = 0;
  let last = NaN;
  while ((i < x.length || j < y.length) && k < cap) {
    const v = j >= y.length || (i < x.length && x[i]! <= y[j]!) ? x[i++]! : y[j++]!;
    if (v !== last) {
      k++;
      last = v;
    }
  }
  return k;
}

/** Least-squares quadratic through (x, y) points (np.polyfit(x, y, 2)); returns [a2, a1, a0]. */
function polyfit2(x: readonly number[], y: readonly number[]): [number, number, number] {
  // Normal equations on centred x keep the 3×3 system well conditioned.
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const s = [0, 0, 0, 0, 0];
  const t = [0, 0, 0];
  x.forEach((v, i) => {
    const d = v - mx;
    for (let p = 0; p < 5; p++) s[p] = s[p]! + d ** p;
    for (let p = 0; p < 3; p++) t[p] = t[p]! + y[i]! * d ** p;
  });
  const m = [
    [s[0]!, s[1]!, s[2]!, t[0]!],
    [s[1]!, s[2]!, s[3]!, t[1]!],
    [s[2]!, s[3]!, s[4]!, t[2]!],
  ];
  for (let c = 0; c < 3; c++) {
    for (let r = c + 1; r < 3; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k < 4; k++) m[r]![k] = m[r]![k]! - f * m[c]![k]!;
    }
  }
  const b = [0, 0, 0];
  for (let r = 2; r >= 0; r--) {
    let v = m[r]![3]!;
    for (let k = r + 1; k < 3; k++) v -= m[r]![k]! * b[k]!;
    b[r] = v / m[r]![r]!;
  }
  // y = b0 + b1 d + b2 d², d = x − mx.
  const [b0, b1, b2] = b as [number, number, number];
  return [b2, b1 - 2 * b2 * mx, b0 - b1 * mx + b2 * mx * mx];
}

/**
 * k-sample Anderson–Darling for two sorted samples, as scipy.stats.anderson_ksamp (midrank variant, Scholz and
 * Stephens 1987): the p-value is interpolated from the critical-value table and capped to [0.001, 0.25].
 * Null when there are fewer than two distinct values (scipy refuses those).
 */
export function andersonKsamp(x: ArrayLike<number>, y: ArrayLike<number>): TestResult | null {
  const n = [x.length, y.length];
  const N = n[0]! + n[1]!;
  if (distinctCount(x, y, 2) < 2 || N < 4) return null;
  let a2 = 0;
  let left = 0;
  const M = [0, 0];
  forEachDistinct(x, y, (cx, cy) => {
    const lj = cx + cy;
    const bj = left + lj / 2;
    const c = [cx, cy];
    for (let i = 0; i < 2; i++) {
      const mij = M[i]! + c[i]! - c[i]! / 2;
      a2 += ((lj / N) * (N * mij - bj * n[i]!) ** 2) / (bj * (N - bj) - (N * lj) / 4) / n[i]!;
      M[i] = M[i]! + c[i]!;
    }
    left += lj;
  });
  a2 *= (N - 1) / N;
  const k = 2;
  const H = 1 / n[0]! + 1 / n[1]!;
  let h = 1;
  let g = 0;
  let cs = 0;
  // hs_cs = cumsum(1 / [N−1, N−2, …, 2]); h = hs_cs[-1] + 1; g = Σ hs_cs / [2 … N−1].
  for (let idx = 0, v = N - 1; v >= 2; v--, idx++) {
    cs += 1 / v;
    g += cs / (idx + 2);
  }
  h += cs;
  const a = (4 * g - 6) * (k - 1) + (10 - 6 * g) * H;
  const b = (2 * g - 4) * k * k + 8 * h * k + (2 * g - 14 * h - 4) * H - 8 * h + 4 * g - 6;
  const c = (6 * h + 2 * g - 2) * k * k + (4 * h - 4 * g + 6) * k + (2 * h - 6) * H + 4 * h;
  const d = (2 * h + 6) * k * k - 4 * h * k;
  const sigmasq = (a * N ** 3 + b * N ** 2 + c * N + d) / ((N - 1) * (N - 2) * (N - 3));
  const m = k - 1;
  const A2 = (a2 - m) / Math.sqrt(sigmasq);
  const b0 = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085];
  const b1 = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615];
  const b2 = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154];
  const critical = b0.map((v, i) => v + b1[i]! / Math.sqrt(m) + b2[i]! / m);
  const sig = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001];
  if (A2 < Math.min(...critical)) return { statistic: A2, pValue: 0.25 };
  if (A2 > Math.max(...critical)) return { statistic: A2, pValue: 0.001 };
  const [p2, p1, p0] = polyfit2(
    critical,
    sig.map((s) => Math.log(s)),
  );
  return { statistic: A2, pValue: Math.exp((p2 * A2 + p1) * A2 + p0) };
}

/** e^{x}·K_ν(x) for x > 0: the trapezoid rule on ∫₀^∞ e^{−x(cosh t − 1)} cosh(νt) dt (exponentially convergent). */
function scaledBesselK(nu: number, x: number): number {
  const h = Math.min(0.05, 0.25 / Math.sqrt(x));
  const top = Math.acosh(1 + 745 / x);
  let s = 0.5;
  for (let t = h; t <= top; t += h) s += Math.exp(-x * (Math.cosh(t) - 1)) * Math.cosh(nu * t);
  return s * h;
}

/** CDF of the limiting Cramér–von Mises distribution (Csörgő and Faraway 1996), summed as Evidently and scipy do. */
export function cvmLimitCdf(x: number): number {
  let tot = 0;
  for (let k = 0; ; k++) {
    const u = Math.exp(lnGamma(k + 0.5) - lnGamma(k + 1)) / (Math.PI ** 1.5 * Math.sqrt(x));
    const y = 4 * k + 1;
    const q = (y * y) / (16 * x);
    // e^{−q}·K_{1/4}(q) = e^{−2q}·(e^{q} K_{1/4}(q)); it underflows to 0 exactly where scipy's does.
    const z = u * Math.sqrt(y) * Math.exp(-2 * q) * scaledBesselK(0.25, q);
    tot += z;
    if (!(Math.abs(z) >= 1e-7)) return tot;
  }
}

/** Exact p-value of the two-sample CvM statistic U for sizes m, n (Xiao, Gordon and Yakovlev 2006), as Evidently. */
function cvmExactP(s: number, m: number, n: number): number {
  const g = (a: number, b: number): number => (b ? g(b, a % b) : a);
  const lcm = (m * n) / g(m, n);
  const a = lcm / m;
  const b = lcm / n;
  const mn = m * n;
  const zeta = Math.floor((lcm ** 2 * (m + n) * (6 * s - mn * (4 * mn - 1))) / (6 * mn ** 2));
  let combinations = 1;
  for (let i = 1; i <= n; i++) combinations = (combinations * (m + i)) / i;
  let gs: Map<number, number>[] = [new Map([[0, 1]])];
  for (let v = 0; v < m; v++) gs.push(new Map());
  for (let u = 0; u <= n; u++) {
    const next: Map<number, number>[] = [];
    let tmp = new Map<number, number>();
    gs.forEach((gv, v) => {
      const merged = new Map(tmp);
      for (const [val, f] of gv) merged.set(val, (merged.get(val) ?? 0) + f);
      const shift = (a * v - b * u) ** 2;
      tmp = new Map();
      for (const [val, f] of merged) tmp.set(val + shift, f);
      next.push(tmp);
    });
    gs = next;
  }
  let hits = 0;
  for (const [val, f] of gs[m]!) if (val >= zeta) hits += f;
  return hits / combinations;
}

/** Two-sample Cramér–von Mises test on sorted samples, Evidently's `_cvm_2samp` (exact up to 20 rows a side). */
export function cramerVonMises(x: ArrayLike<number>, y: ArrayLike<number>): TestResult | null {
  const nx = x.length;
  const ny = y.length;
  if (nx <= 1 || ny <= 1) return null;
  let u = 0;
  let r0 = 0;
  let ix = 0;
  let iy = 0;
  forEachDistinct(x, y, (cx, cy) => {
    const avg = r0 + (cx + cy + 1) / 2;
    for (let t = 1; t <= cx; t++) u += nx * (avg - (ix + t)) ** 2;
    for (let t = 1; t <= cy; t++) u += ny * (avg - (iy + t)) ** 2;
    ix += cx;
    iy += cy;
    r0 += cx + cy;
  });
  const k = nx * ny;
  const N = nx + ny;
  const t = u / (k * N) - (4 * k - 1) / (6 * N);
  if (Math.max(nx, ny) <= 20) return { statistic: t, pValue: cvmExactP(u, nx, ny) };
  const et = (1 + 1 / N) / 6;
  const vt = ((N + 1) * (4 * k * N - 3 * (nx * nx + ny * ny) - 2 * k)) / (45 * N * N * 4 * k);
  const tn = 1 / 6 + (t - et) / Math.sqrt(45 * vt);
  return { statistic: t, pValue: tn < 0.003 ? 1 : Math.max(0, 1 - cvmLimitCdf(tn)) };
}
