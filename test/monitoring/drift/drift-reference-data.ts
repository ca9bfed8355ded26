import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from '../../helpers/temp-workspace.js';

/** The numbers compute-reference.py printed with scipy (see test/fixtures/drift/compute-reference.py). */
export interface ReferenceCase {
  name: string;
  source: {
    file?: 'breast_cancer' | 'iris';
    column?: number;
    split?: number;
    every?: number;
    reference?: unknown;
    current?: unknown;
  };
  numerical?: Record<string, number | [number, number]>;
  categorical?: Record<string, number | [number, number]>;
}

// Python's json writes an infinite chi-squared statistic as the bare token Infinity.
export const REFERENCE: { generator: string; cases: ReferenceCase[] } = JSON.parse(
  readFileSync(join(FIXTURES, 'drift', 'reference-values.json'), 'utf8').replace(/\bInfinity\b/g, '"Infinity"'),
  (_k, v: unknown) => (v === 'Infinity' ? Infinity : v),
);

function sklearnRows(file: string): number[][] {
  const lines = readFileSync(join(FIXTURES, 'tabular', `${file}.csv`), 'utf8')
    .trim()
    .split(/\r?\n/)
    .slice(1);
  return lines.map((l) => l.split(',').map(Number));
}

/** Park–Miller minimal standard generator, the same integers as the Python script's. */
function parkMiller(seed: number, n: number): number[] {
  const out: number[] = [];
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 48271) % 2147483647;
    out.push(x / 2147483647);
  }
  return out;
}

/** Irwin–Hall(4) − 2, scaled and shifted: plain arithmetic, so both languages get identical doubles. */
export function irwinHall(o: { seed: number; n: number; shift: number; scale: number; digits?: number }): number[] {
  const u = parkMiller(o.seed, 4 * o.n);
  return Array.from({ length: o.n }, (_, i) => {
    const v = (u[4 * i]! + u[4 * i + 1]! + u[4 * i + 2]! + u[4 * i + 3]! - 2.0) * o.scale + o.shift;
    return o.digits === undefined ? v : Number(v.toFixed(o.digits));
  });
}

/** The reference and current samples a case was computed on. */
export function caseData(c: ReferenceCase): { ref: (number | string)[]; cur: (number | string)[] } {
  const s = c.source;
  if (s.file !== undefined) {
    const rows = sklearnRows(s.file);
    const col = rows.map((r) => r[s.column!]!);
    if (s.split !== undefined) return { ref: col.slice(0, s.split), cur: col.slice(s.split) };
    return { ref: col.filter((_, i) => i % s.every! !== 0), cur: col.filter((_, i) => i % s.every! === 0) };
  }
  if (Array.isArray(s.reference)) return { ref: s.reference as string[], cur: s.current as string[] };
  return { ref: irwinHall(s.reference as never), cur: irwinHall(s.current as never) };
}
