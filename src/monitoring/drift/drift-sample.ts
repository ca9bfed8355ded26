import { distinctCount } from './rank-tests.js';

/** Evidently's two column types that drift is computed for. */
export type DriftColumnType = 'numerical' | 'categorical';

/**
 * One column of one table, cleaned as Evidently cleans it (NaN and ±inf dropped): numeric data keeps its sorted
 * values, text data its value counts. Numeric data may still be a categorical column (few integer values).
 */
export interface DriftSample {
  /** Rows left after dropping missing values. */
  readonly n: number;
  /** Sorted finite values when the column holds numbers, null for text. */
  readonly sorted: Float64Array | Float32Array | null;
  /** True when every value is an integer and none was missing (pandas would read the column as int64). */
  readonly integer: boolean;
  /** Value → count (numbers keyed by value, text by string); built on first use. */
  counts(): Map<number | string, number>;
}

/** A sample from numbers (NaN and ±inf dropped; `integer` as pandas' int64 inference, missing cells included). */
export function numericSample(values: ArrayLike<number>, sortedAlready = false): DriftSample {
  let kept = 0;
  let integer = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      kept++;
      if (integer && !Number.isInteger(v)) integer = false;
    } else integer = false;
  }
  const sorted = new Float64Array(kept);
  let k = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) sorted[k++] = values[i]!;
  if (!sortedAlready) sorted.sort();
  return fromSorted(sorted, integer);
}

/** A sample over already sorted finite numbers. */
export function fromSorted(sorted: Float64Array | Float32Array, integer: boolean): DriftSample {
  let counts: Map<number, number> | undefined;
  return {
    n: sorted.length,
    sorted,
    integer,
    counts() {
      if (!counts) {
        counts = new Map();
        for (let i = 0; i < sorted.length;) {
          const v = sorted[i]!;
          let j = i;
          while (j < sorted.length && sorted[j] === v) j++;
          counts.set(v, j - i);
          i = j;
        }
      }
      return counts;
    },
  };
}

/** A sample from text cells (null = missing, dropped). */
export function textSample(values: readonly (string | null)[]): DriftSample {
  const counts = new Map<string, number>();
  let n = 0;
  for (const v of values) {
    if (v === null) continue;
    n++;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return { n, sorted: null, integer: false, counts: () => counts };
}

/** Keys of both samples' value counts, sorted (numbers numerically, text by code point, as Python's `sorted`). */
export function unionKeys(a: DriftSample, b: DriftSample): (number | string)[] {
  const keys = [...new Set([...a.counts().keys(), ...b.counts().keys()])];
  return keys.sort((x, y) =>
    typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0,
  );
}

/** Distinct values over both samples (pandas' `concat(...).nunique()`), counted up to `cap` (numeric: a merge). */
export function distinctValues(a: DriftSample, b: DriftSample, cap = Infinity): number {
  if (a.sorted && b.sorted) return distinctCount(a.sorted, b.sorted, cap);
  return new Set([...a.counts().keys(), ...b.counts().keys()]).size;
}

/** Distinct values of one sample, counted up to `cap`. */
export function distinctIn(a: DriftSample, cap = Infinity): number {
  return a.sorted ? distinctCount(a.sorted, EMPTY, cap) : a.counts().size;
}

const EMPTY = new Float64Array(0);
