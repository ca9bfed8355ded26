/**
 * numpy's histogram machinery, reproduced so binned drift measures (PSI, KL, Jensen–Shannon, Hellinger) land on the
 * same bins as Evidently's `get_binned_data`: Sturges edges over the combined sample, equal-width bins, the last
 * bin closed on the right.
 */

/** np.linspace(start, stop, num) with numpy's arithmetic (step multiply, exact endpoint). */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  for (let i = 0; i < num; i++) out[i] = step === 0 ? (i / div) * delta + start : i * step + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/** np.histogram_bin_edges(values, bins='sturges') for a sample with the given min, max and size. */
export function sturgesEdges(min: number, max: number, n: number, integer = false): Float64Array {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  let width = n > 0 ? (max - min) / (Math.log2(n) + 1) : 0;
  // numpy widens bins of integer arrays to at least 1.
  if (integer && width > 0 && width < 1) width = 1;
  const bins = width > 0 ? Math.ceil((last - first) / width) : 1;
  return linspace(first, last, bins + 1);
}

/** Index of the first element > v (side='right') or ≥ v (side='left') in a sorted array. */
export function searchSorted(a: ArrayLike<number>, v: number, side: 'left' | 'right'): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (side === 'right' ? a[mid]! <= v : a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** np.histogram(sortedValues, edges) for arbitrary edges: [e_k, e_{k+1}) with the last bin closed. */
export function histogramSorted(sorted: ArrayLike<number>, edges: ArrayLike<number>): Float64Array {
  const nb = edges.length - 1;
  const cum = new Float64Array(nb + 1);
  for (let k = 0; k < nb; k++) cum[k] = searchSorted(sorted, edges[k]!, 'left');
  cum[nb] = searchSorted(sorted, edges[nb]!, 'right');
  const counts = new Float64Array(nb);
  for (let k = 0; k < nb; k++) counts[k] = cum[k + 1]! - cum[k]!;
  return counts;
}

/** Zero shares replaced as Evidently's `feel_zeroes` does: min non-zero / 1e6 when that is ≤ 1e-4, else 1e-4. */
export function fillZeroes(p: Float64Array): Float64Array {
  let min = Infinity;
  for (const v of p) if (v !== 0 && v < min) min = v;
  const fill = min <= 0.0001 ? min / 10 ** 6 : 0.0001;
  return p.map((v) => (v === 0 ? fill : v));
}
