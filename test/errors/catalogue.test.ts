import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogue, SlipwayError, toSlipwayError } from '../../src/errors/index.js';

test('every code maps to an HTTP status, a gRPC status and an exit code', () => {
  for (const [code, spec] of Object.entries(catalogue)) {
    assert.ok(spec.http >= 400 && spec.http < 600, code);
    assert.ok(spec.grpc > 0 && spec.grpc <= 16, code);
    assert.ok(spec.exit === 1 || spec.exit === 2, code);
  }
  assert.equal(new SlipwayError('DATASET_NOT_FOUND', 'x').httpStatus, 404);
  assert.equal(new SlipwayError('GATE_FAILED', 'x').exitCode, 1);
  assert.equal(toSlipwayError(new Error('boom')).code, 'INTERNAL');
});
