import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readMetricsFile } from '../../src/pipeline/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { tempDir } from '../helpers/temp-workspace.js';

test('one metrics-file reader: JSON and YAML, nested keys dotted, booleans 1/0; missing is {} unless required', () => {
  const { dir, cleanup } = tempDir({
    'm.json': JSON.stringify({ accuracy: 0.9, macro: { f1: 0.8, deep: { x: 1 } }, ok: true, name: 'x', list: [1, 2] }),
    'm.yaml': 'loss: 0.25\nper_class:\n  setosa: 1\nconverged: false\n',
    'bad.json': '{ not json',
  });
  try {
    assert.deepEqual(readMetricsFile(join(dir, 'm.json')), { accuracy: 0.9, 'macro.f1': 0.8, 'macro.deep.x': 1, ok: 1 });
    assert.deepEqual(readMetricsFile(join(dir, 'm.yaml')), { loss: 0.25, 'per_class.setosa': 1, converged: 0 });
    assert.deepEqual(readMetricsFile(join(dir, 'missing.json')), {});
    assert.deepEqual(readMetricsFile(join(dir, 'bad.json')), {});
    for (const f of ['missing.json', 'bad.json'])
      assert.throws(
        () => readMetricsFile(join(dir, f), { required: true }),
        (e) => isSlipwayError(e, 'USAGE'),
      );
  } finally {
    cleanup();
  }
});
