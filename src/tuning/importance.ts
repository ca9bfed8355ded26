import type { ParamValue } from './search-space.js';

/**
 * How much of the metric's variance each param explains across finished trials (η², the correlation ratio): trials are
 * grouped by the param's value (numbers into up to four quantile bins), and the between-group variance is divided by
 * the total. A cheap, model-free stand-in for fANOVA; values are normalised to sum to 1 when any is non-zero.
 */
export function paramImportance(
  trials: readonly { params: Readonly<Record<string, ParamValue>>; value: number }[],
): Record<string, number> {
  const keys = [...new Set(trials.flatMap((t) => Object.keys(t.params)))];
  const out: Record<string, number> = {};
  if (trials.length < 2) return Object.fromEntries(keys.map((k) => [k, 0]));
  const mean = trials.reduce((a, t) => a + t.value, 0) / trials.length;
  const total = trials.reduce((a, t) => a + (t.value - mean) ** 2, 0);
  for (const k of keys) {
    const groups = new Map<string, number[]>();
    const values = trials.map((t) => t.params[k]);
    const numeric = values.every((v) => typeof v === 'number') && new Set(values).size > 4;
    const edges = numeric ? quantileEdges(values as number[], 4) : [];
    trials.forEach((t, i) => {
      const v = values[i];
      const g = numeric ? String(edges.findIndex((e) => (v as number) <= e)) : String(v);
      groups.set(g, [...(groups.get(g) ?? []), t.value]);
    });
    let between = 0;
    for (const g of groups.values()) {
      const m = g.reduce((a, b) => a + b, 0) / g.length;
      between += g.length * (m - mean) ** 2;
    }
    out[k] = total > 0 ? between / total : 0;
  }
  const sum = Object.values(out).reduce((a, b) => a + b, 0);
  if (sum > 0) for (const k of keys) out[k] = out[k]! / sum;
  return out;
}

function quantileEdges(xs: readonly number[], bins: number): number[] {
  const s = [...xs].sort((a, b) => a - b);
  const edges = Array.from({ length: bins - 1 }, (_, i) => s[Math.floor(((i + 1) * s.length) / bins) - 1]!);
  return [...edges, Infinity];
}
