// Shared by the A/B benchmarks: run two sides alternately (A B A B A B …) so drift in machine load hits both, and
// report medians and the min–max of the per-round ratio B/A, which says how much the figure moved between rounds.

/** Median of a list (the upper middle for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Runs `a` then `b`, `rounds` times (at least 3), and returns each side's results in round order. */
export async function alternate<A, B = A>(
  rounds: number,
  a: (round: number) => Promise<A> | A,
  b: (round: number) => Promise<B> | B,
): Promise<{ a: A[]; b: B[] }> {
  const out = { a: [] as A[], b: [] as B[] };
  for (let r = 0; r < Math.max(3, rounds); r++) {
    out.a.push(await a(r));
    out.b.push(await b(r));
  }
  return out;
}

/** Per-round ratios b[i]/a[i] as "median R× (min–max L–H)". */
export function ratioLine(a: readonly number[], b: readonly number[], digits = 2): string {
  const ratios = a.map((x, i) => b[i]! / x);
  return `${median(ratios).toFixed(digits)}× (min–max ${Math.min(...ratios).toFixed(digits)}–${Math.max(...ratios).toFixed(digits)})`;
}

/** "label: median M unit (min–max L–H)" for one side. */
export function sideLine(label: string, xs: readonly number[], unit: string, digits = 0): string {
  return `${label}: median ${median(xs).toFixed(digits)} ${unit} (min–max ${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
}
