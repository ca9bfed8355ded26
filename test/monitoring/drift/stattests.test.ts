import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DRIFT_METHODS, numericSample, textSample, type DriftMethod, type DriftSample } from '../../../src/monitoring/drift/index.js';
import { REFERENCE, caseData } from './drift-reference-data.js';
import { sortedFinite32 } from '../../../src/monitoring/drift/radix-sort.js';
import { columnDrift } from '../../../src/monitoring/drift/column-drift.js';
import type { DriftColumnData } from '../../../src/monitoring/drift/drift-table.js';
import { createRng } from '../../../src/engine/random.js';

/** Within 1e-6 relative (or 1e-12 absolute near zero). */
function close(actual: number, expected: number, what: string): void {
  const ok = actual === expected || Math.abs(actual - expected) <= 1e-6 * Math.abs(expected) || Math.abs(actual - expected) <= 1e-12;
  assert.ok(ok, `${what}: got ${actual}, scipy ${expected}`);
}

function sample(values: readonly (number | string)[]): DriftSample {
  return typeof values[0] === 'string' ? textSample(values as string[]) : numericSample(Float64Array.from(values as number[]));
}

for (const c of REFERENCE.cases) {
  for (const type of ['numerical', 'categorical'] as const) {
    const expected = c[type];
    if (!expected) continue;
    test(`${c.name}: every ${type} method matches scipy/Evidently within 1e-6`, () => {
      const { ref, cur } = caseData(c);
      const r = sample(ref);
      const k = sample(cur);
      for (const [method, want] of Object.entries(expected)) {
        const got = DRIFT_METHODS[method as DriftMethod].run(r, k, type);
        if (Array.isArray(want)) {
          close(got.statistic, want[0], `${method} statistic`);
          close(got.pValue!, want[1], `${method} p-value`);
        } else close(got.score, want, method);
      }
    });
  }
}

test('sortedFinite32 sorts finite float32 values like a comparison sort, into a given buffer when it is large enough', () => {
  const rng = createRng(11);
  const values = Float32Array.from({ length: 5000 }, (_, i) => (i % 97 === 0 ? NaN : i % 89 === 0 ? -Infinity : (rng.next() - 0.5) * 1e6));
  values[7] = -0;
  const expected = Float32Array.from(values.filter((v) => Number.isFinite(v))).sort();
  const fresh = sortedFinite32(values);
  assert.deepEqual(Array.from(fresh), Array.from(expected));
  const into = new Float32Array(6000);
  const viewed = sortedFinite32(values, into);
  assert.equal(viewed.buffer, into.buffer, 'a view of the given buffer');
  assert.deepEqual(Array.from(viewed), Array.from(expected));
  assert.notEqual(sortedFinite32(values, new Float32Array(10)).buffer.byteLength, 40, 'too small: a new array');
});

test('columnDrift gives the same verdict whatever column ran before it (the sort buffers are reused per thread)', () => {
  const rng = createRng(5);
  const col = (shift: number): DriftColumnData & { values: Float32Array } => ({
    kind: 'numeric',
    values: Float32Array.from({ length: 3000 }, () => rng.next() + rng.next() + shift),
  });
  const a = [col(0), col(0.3)] as const;
  const b = [col(5), col(-2)] as const;
  const job = { name: 'x', role: 'feature', categorical: false } as const;
  const first = columnDrift(a[0], a[1], job);
  // The statistic from samples built apart (their own float64 copies, no shared buffers).
  const apart = DRIFT_METHODS.wasserstein.run(numericSample(a[0].values), numericSample(a[1].values), 'numerical');
  assert.ok('statistic' in first && first.method === 'wasserstein');
  assert.equal(first.statistic, apart.statistic);
  columnDrift(b[0], b[1], job);
  assert.deepEqual(columnDrift(a[0], a[1], job), first);
});
