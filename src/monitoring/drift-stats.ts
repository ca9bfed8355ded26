/** Result of a two-sample Kolmogorov–Smirnov test. */
export interface KsResult {
  /** The largest distance between the two empirical CDFs, 0..1. */
  readonly statistic: number;
  /** Asymptotic p-value (Kolmogorov distribution); 1 when either sample is empty. */
  readonly pValue: number;
}

/** Result of a chi-squared test of homogeneity between two categorical samples. */
export interface ChiSquaredResult {
  readonly statistic: number;
  readonly df: number;
  readonly pValue: number;
}

/** Floor for an empty bin's share in PSI, so ln(0) never appears (the usual 1e-4). */
export const PSI_EPSILON = 1e-4;

/** Survival function of the Kolmogorov distribution, Q(λ) = 2 Σ_{j≥1} (-1)^{j-1} e^{-2 j² λ²}. */
export function kolmogorovQ(lambda: number): number {
  if (!(lambda > 0)) return 1;
  // The series converges slowly near 0, where Q is 1 to double precision anyway.
  if (lambda < 0.2) return 1;
  let sum = 0;
  let sign = 1;
  for (let j = 1; j <= 100; j++) {
    const term = sign * Math.exp(-2 * j * j * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12 * Math.abs(sum)) break;
    sign = -sign;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** Two-sample KS statistic and asymptotic p-value (Numerical Recipes' effective-n correction). */
export function ksTest(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return { statistic: 0, pValue: 1 };
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n1 && j < n2) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < n1 && x[i]! <= v) i++;
    while (j < n2 && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / n1 - j / n2));
  }
  const en = Math.sqrt((n1 * n2) / (n1 + n2));
  return { statistic: d, pValue: d === 0 ? 1 : kolmogorovQ((en + 0.12 + 0.11 / en) * d) };
}

/** PSI between two vectors of shares (each summing to 1): Σ (c − r)·ln(c / r), empty shares floored at ε. */
export function psiFromShares(reference: readonly number[], current: readonly number[]): number {
  let s = 0;
  for (let k = 0; k < reference.length; k++) {
    const r = Math.max(reference[k]!, PSI_EPSILON);
    const c = Math.max(current[k] ?? 0, PSI_EPSILON);
    s += (c - r) * Math.log(c / r);
  }
  return s;
}

/** Bin edges at the reference sample's quantiles (duplicates removed, so constant stretches make one bin). */
export function quantileEdges(reference: ArrayLike<number>, bins: number): number[] {
  const x = Float64Array.from(reference).sort();
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const v = x[Math.min(x.length - 1, Math.floor((k / bins) * x.length))]!;
    if (edges.length === 0 || v > edges[edges.length - 1]!) edges.push(v);
  }
  return edges;
}

function shares(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let lo = 0;
    let hi = edges.length;
    // First edge strictly greater than v: bins are [e_{k-1}, e_k).
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (edges[mid]! > v) hi = mid;
      else lo = mid + 1;
    }
    counts[lo]!++;
  }
  return counts.map((c) => (values.length === 0 ? 0 : c / values.length));
}

/** Population Stability Index of `current` against `reference` over `bins` reference-quantile bins (default 10). */
export function psi(reference: ArrayLike<number>, current: ArrayLike<number>, bins = 10): number {
  if (reference.length === 0 || current.length === 0) return 0;
  const edges = quantileEdges(reference, bins);
  return psiFromShares(shares(reference, edges), shares(current, edges));
}

/** PSI between two categorical count tables over the union of their categories. */
export function categoricalPsi(reference: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>): number {
  const keys = [...new Set([...reference.keys(), ...current.keys()])];
  const rt = sum(reference.values());
  const ct = sum(current.values());
  if (rt === 0 || ct === 0) return 0;
  return psiFromShares(
    keys.map((k) => (reference.get(k) ?? 0) / rt),
    keys.map((k) => (current.get(k) ?? 0) / ct),
  );
}

function sum(xs: Iterable<number>): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/** Chi-squared test of homogeneity on the 2×k table of two categorical count tables (df = k − 1). */
export function chiSquaredTest(reference: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>): ChiSquaredResult {
  const keys = [...new Set([...reference.keys(), ...current.keys()])].filter((k) => (reference.get(k) ?? 0) + (current.get(k) ?? 0) > 0);
  const rt = sum(keys.map((k) => reference.get(k) ?? 0));
  const ct = sum(keys.map((k) => current.get(k) ?? 0));
  const n = rt + ct;
  if (keys.length < 2 || rt === 0 || ct === 0) return { statistic: 0, df: Math.max(0, keys.length - 1), pValue: 1 };
  let stat = 0;
  for (const k of keys) {
    const col = (reference.get(k) ?? 0) + (current.get(k) ?? 0);
    for (const [obs, rowTotal] of [
      [reference.get(k) ?? 0, rt],
      [current.get(k) ?? 0, ct],
    ] as const) {
      const e = (rowTotal * col) / n;
      stat += ((obs - e) * (obs - e)) / e;
    }
  }
  const df = keys.length - 1;
  return { statistic: stat, df, pValue: chiSquaredSurvival(stat, df) };
}

/** P(X ≥ x) for X ~ χ²(df): the regularised upper incomplete gamma Q(df/2, x/2). */
export function chiSquaredSurvival(x: number, df: number): number {
  if (!(x > 0)) return 1;
  return regularizedGammaQ(df / 2, x / 2);
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, nine coefficients; ~15 significant digits). */
export function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularised upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a): series below a+1, continued fraction above. */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(x > 0)) return 1;
  const lnPre = -x + a * Math.log(x) - lnGamma(a);
  if (x < a + 1) {
    let ap = a;
    let del = 1 / a;
    let s = del;
    for (let n = 0; n < 1000; n++) {
      ap += 1;
      del *= x / ap;
      s += del;
      if (Math.abs(del) < Math.abs(s) * 1e-15) break;
    }
    return Math.min(1, Math.max(0, 1 - s * Math.exp(lnPre)));
  }
  // Lentz's method for the continued fraction of Γ(a, x).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.min(1, Math.max(0, Math.exp(lnPre) * h));
}
