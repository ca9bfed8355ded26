import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DRIFT_METHODS, numericSample, textSample, type DriftMethod, type DriftSample } from '../../../src/monitoring/drift/index.js';
import { REFERENCE, caseData } from './drift-reference-data.js';

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
