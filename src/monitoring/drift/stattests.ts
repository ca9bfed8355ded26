import { chiSquaredSurvival, regularizedGammaQ } from '../drift-stats.js';
import { fillZeroes, histogramSorted, sturgesEdges } from './binning.js';
import { distinctIn, unionKeys, type DriftColumnType, type DriftSample } from './drift-sample.js';
import { ks2samp } from './ks-2samp.js';
import { andersonKsamp, cramerVonMises } from './rank-tests.js';

/** Evidently's stat-test names (and the short names the CLI accepts for them). */
export type DriftMethod =
  'ks' | 'chisquare' | 'z' | 'wasserstein' | 'jensenshannon' | 'psi' | 'kl_div' | 'hellinger' | 'anderson' | 'cramer_von_mises';

/** What one method measured on one column. */
export interface MethodResult {
  /** The test statistic or the distance. */
  readonly statistic: number;
  /** The p-value, for tests; null for distances. */
  readonly pValue: number | null;
  /** Evidently's drift score: the p-value for tests, the distance otherwise. */
  readonly score: number;
  /** Why the method could not judge this column (then it does not drift). */
  readonly note?: string;
}

/** A registered method: its kind, the column types it accepts, Evidently's default threshold and comparison. */
export interface DriftMethodSpec {
  readonly name: DriftMethod;
  readonly displayName: string;
  readonly kind: 'test' | 'distance';
  readonly types: readonly DriftColumnType[];
  readonly threshold: number;
  /** How the score is compared with the threshold for drift: `<` or `<=` for p-values, `>=` for distances. */
  readonly drifts: (score: number, threshold: number) => boolean;
  readonly run: (ref: DriftSample, cur: DriftSample, type: DriftColumnType) => MethodResult;
}

const lt = (s: number, t: number): boolean => s < t;
const le = (s: number, t: number): boolean => s <= t;
const ge = (s: number, t: number): boolean => s >= t;

function test(statistic: number, pValue: number): MethodResult {
  return { statistic, pValue, score: pValue };
}
function distance(d: number): MethodResult {
  return { statistic: d, pValue: null, score: d };
}
function undecided(note: string, kind: 'test' | 'distance'): MethodResult {
  return kind === 'test' ? { statistic: NaN, pValue: 1, score: 1, note } : { statistic: 0, pValue: null, score: 0, note };
}

function needNumbers(s: DriftSample): Float64Array | Float32Array {
  if (!s.sorted) throw new TypeError('a numeric method got a text column');
  return s.sorted;
}

/** Evidently's chi-squared: expected = reference counts scaled to the current size; df = categories − 1. */
function chiSquare(ref: DriftSample, cur: DriftSample): MethodResult {
  const keys = unionKeys(ref, cur);
  if (keys.length < 2) return undecided('one category in both tables', 'test');
  const k = cur.n / ref.n;
  let stat = 0;
  for (const key of keys) {
    const e = (ref.counts().get(key) ?? 0) * k;
    const o = cur.counts().get(key) ?? 0;
    stat += e === 0 ? Infinity : ((o - e) * (o - e)) / e;
  }
  return test(stat, stat === Infinity ? 0 : chiSquaredSurvival(stat, keys.length - 1));
}

/** Standard normal CDF through erfc = Q(½, x²), accurate to ~1e-15 relative. */
export function normalCdf(z: number): number {
  const e = regularizedGammaQ(0.5, (z * z) / 2);
  return z >= 0 ? 1 - e / 2 : e / 2;
}

/** Evidently's two-proportion Z-test: the first sorted value is 0, every other value 1; p = 2·(1 − Φ(|z|)). */
function zTest(ref: DriftSample, cur: DriftSample): MethodResult {
  const keys = unionKeys(ref, cur);
  if (ref.counts().size === 1 && cur.counts().size === 1 && keys.length === 1) return test(0, 1);
  const first = keys[0]!;
  const p1 = (ref.n - (ref.counts().get(first) ?? 0)) / ref.n;
  const p2 = (cur.n - (cur.counts().get(first) ?? 0)) / cur.n;
  const P = (p1 * ref.n + p2 * cur.n) / (ref.n + cur.n);
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1 / ref.n + 1 / cur.n));
  return test(z, 2 * (1 - normalCdf(Math.abs(z))));
}

/** Population standard deviation (np.std). */
function std(x: Float64Array | Float32Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i]!;
  m /= x.length;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - m) * (x[i]! - m);
  return Math.sqrt(s / x.length);
}

/** First Wasserstein distance between two sorted samples (scipy.stats.wasserstein_distance): ∫ |F − G|. */
export function wassersteinSorted(u: ArrayLike<number>, v: ArrayLike<number>): number {
  const nu = u.length;
  const nv = v.length;
  const iu = 1 / nu;
  const iv = 1 / nv;
  let i = 0;
  let j = 0;
  let d = 0;
  let prev = Math.min(u[0]!, v[0]!);
  // One value per step: a repeated value adds a zero-width strip, so ties need no inner loop.
  while (i < nu && j < nv) {
    const a = u[i]!;
    const b = v[j]!;
    const x = a <= b ? a : b;
    d += Math.abs(i * iu - j * iv) * (x - prev);
    prev = x;
    if (a <= b) i++;
    else j++;
  }
  for (; i < nu; i++) {
    d += Math.abs(i * iu - 1) * (u[i]! - prev);
    prev = u[i]!;
  }
  for (; j < nv; j++) {
    d += Math.abs(1 - j * iv) * (v[j]! - prev);
    prev = v[j]!;
  }
  return d;
}

/** Evidently's normalised Wasserstein: the distance over max(std(reference), 0.001). */
function wasserstein(ref: DriftSample, cur: DriftSample): MethodResult {
  const r = needNumbers(ref);
  return distance(wassersteinSorted(r, needNumbers(cur)) / Math.max(std(r), 0.001));
}

/**
 * Evidently's `get_binned_data`: numeric columns with more than 20 distinct reference values are cut at Sturges
 * edges over both samples; others are shared out per distinct value. Zero shares are filled when `fill`.
 */
export function binnedShares(ref: DriftSample, cur: DriftSample, type: DriftColumnType, fill: boolean): [Float64Array, Float64Array] {
  let r: Float64Array;
  let c: Float64Array;
  if (type === 'numerical' && ref.sorted && cur.sorted && distinctIn(ref, 21) > 20) {
    const min = Math.min(ref.sorted[0]!, cur.sorted[0]!);
    const max = Math.max(ref.sorted[ref.n - 1]!, cur.sorted[cur.n - 1]!);
    const edges = sturgesEdges(min, max, ref.n + cur.n, ref.integer && cur.integer);
    r = histogramSorted(ref.sorted, edges).map((v) => v / ref.n);
    c = histogramSorted(cur.sorted, edges).map((v) => v / cur.n);
  } else {
    const keys = unionKeys(ref, cur);
    r = Float64Array.from(keys, (k) => (ref.counts().get(k) ?? 0) / ref.n);
    c = Float64Array.from(keys, (k) => (cur.counts().get(k) ?? 0) / cur.n);
  }
  return fill ? [fillZeroes(r), fillZeroes(c)] : [r, c];
}

function psi(ref: DriftSample, cur: DriftSample, type: DriftColumnType): MethodResult {
  const [r, c] = binnedShares(ref, cur, type, true);
  let s = 0;
  for (let k = 0; k < r.length; k++) s += (r[k]! - c[k]!) * Math.log(r[k]! / c[k]!);
  return distance(s);
}

/** x·ln(x/y) with scipy's rel_entr conventions. */
function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

function normalise(p: Float64Array): Float64Array {
  let s = 0;
  for (const v of p) s += v;
  return p.map((v) => v / s);
}

function klDiv(ref: DriftSample, cur: DriftSample, type: DriftColumnType): MethodResult {
  const [r0, c0] = binnedShares(ref, cur, type, true);
  const r = normalise(r0);
  const c = normalise(c0);
  let s = 0;
  for (let k = 0; k < r.length; k++) s += relEntr(r[k]!, c[k]!);
  return distance(s);
}

function jensenShannon(ref: DriftSample, cur: DriftSample, type: DriftColumnType): MethodResult {
  const [r0, c0] = binnedShares(ref, cur, type, false);
  const p = normalise(r0);
  const q = normalise(c0);
  let s = 0;
  for (let k = 0; k < p.length; k++) {
    const m = (p[k]! + q[k]!) / 2;
    s += relEntr(p[k]!, m) + relEntr(q[k]!, m);
  }
  return distance(Math.sqrt(s / 2));
}

/** Evidently's Hellinger distance: value shares for categorical columns, Sturges densities over distinct values otherwise. */
function hellinger(ref: DriftSample, cur: DriftSample, type: DriftColumnType): MethodResult {
  let s = 0;
  if (type === 'categorical' || !ref.sorted || !cur.sorted) {
    for (const key of unionKeys(ref, cur)) s += Math.sqrt(((ref.counts().get(key) ?? 0) / ref.n) * ((cur.counts().get(key) ?? 0) / cur.n));
  } else {
    const keys = unionKeys(ref, cur) as number[];
    const edges = sturgesEdges(keys[0]!, keys[keys.length - 1]!, keys.length, ref.integer && cur.integer);
    const h1 = histogramSorted(ref.sorted, edges);
    const h2 = histogramSorted(cur.sorted, edges);
    const nb = edges.length - 1;
    const width = (edges[nb]! - edges[0]!) / nb;
    const t1 = h1.reduce((a, v) => a + v, 0);
    const t2 = h2.reduce((a, v) => a + v, 0);
    for (let k = 0; k < nb; k++) {
      const w = edges[k + 1]! - edges[k]!;
      s += Math.sqrt((h1[k]! / t1 / w) * (h2[k]! / t2 / w)) * width;
    }
  }
  return distance(Math.sqrt(1 - Math.min(1, Math.max(0, s))));
}

/** Every method Evidently's DataDriftPreset can be told to use, with its defaults (legacy/calculations/stattests). */
export const DRIFT_METHODS: Readonly<Record<DriftMethod, DriftMethodSpec>> = {
  ks: {
    name: 'ks',
    displayName: 'K-S p_value',
    kind: 'test',
    types: ['numerical'],
    threshold: 0.05,
    drifts: le,
    run: (r, c) => {
      const k = ks2samp(needNumbers(r), needNumbers(c));
      return test(k.statistic, k.pValue);
    },
  },
  chisquare: {
    name: 'chisquare',
    displayName: 'chi-square p_value',
    kind: 'test',
    types: ['categorical'],
    threshold: 0.05,
    drifts: lt,
    run: chiSquare,
  },
  z: { name: 'z', displayName: 'Z-test p_value', kind: 'test', types: ['categorical'], threshold: 0.05, drifts: lt, run: zTest },
  wasserstein: {
    name: 'wasserstein',
    displayName: 'Wasserstein distance (normed)',
    kind: 'distance',
    types: ['numerical'],
    threshold: 0.1,
    drifts: ge,
    run: wasserstein,
  },
  jensenshannon: {
    name: 'jensenshannon',
    displayName: 'Jensen-Shannon distance',
    kind: 'distance',
    types: ['categorical', 'numerical'],
    threshold: 0.1,
    drifts: ge,
    run: jensenShannon,
  },
  psi: { name: 'psi', displayName: 'PSI', kind: 'distance', types: ['categorical', 'numerical'], threshold: 0.1, drifts: ge, run: psi },
  kl_div: {
    name: 'kl_div',
    displayName: 'Kullback-Leibler divergence',
    kind: 'distance',
    types: ['categorical', 'numerical'],
    threshold: 0.1,
    drifts: ge,
    run: klDiv,
  },
  hellinger: {
    name: 'hellinger',
    displayName: 'Hellinger distance',
    kind: 'distance',
    types: ['categorical', 'numerical'],
    threshold: 0.1,
    drifts: ge,
    run: hellinger,
  },
  anderson: {
    name: 'anderson',
    displayName: 'Anderson-Darling',
    kind: 'test',
    types: ['numerical'],
    threshold: 0.1,
    drifts: lt,
    run: (r, c) => {
      const a = andersonKsamp(needNumbers(r), needNumbers(c));
      return a ? test(a.statistic, a.pValue) : undecided('fewer than two distinct values', 'test');
    },
  },
  cramer_von_mises: {
    name: 'cramer_von_mises',
    displayName: 'Cramer-von Mises',
    kind: 'test',
    types: ['numerical'],
    threshold: 0.1,
    drifts: le,
    run: (r, c) => {
      const a = cramerVonMises(needNumbers(r), needNumbers(c));
      return a ? test(a.statistic, a.pValue) : undecided('fewer than two rows on a side', 'test');
    },
  },
};

const ALIASES: Record<string, DriftMethod> = { js: 'jensenshannon', kl: 'kl_div', chi2: 'chisquare', cvm: 'cramer_von_mises' };

/** The method for a name or alias (`js`, `kl`, `chi2`, `cvm`), or undefined. */
export function driftMethod(name: string): DriftMethodSpec | undefined {
  const key = (ALIASES[name] ?? name) as DriftMethod;
  return Object.hasOwn(DRIFT_METHODS, key) ? DRIFT_METHODS[key] : undefined;
}
