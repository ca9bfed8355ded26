import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servingSchema, monitoringSchema } from '../../src/config/serving-schema.js';

test('serving and monitoring sections: defaults, and typos rejected', () => {
  const s = servingSchema.parse({ models: ['mnist'], batching: {} });
  assert.equal(s.rest_port, 8501);
  assert.equal(s.grpc_port, 8500);
  assert.deepEqual(s.batching, { max_batch_size: 32, max_queue_delay_ms: 2 });
  assert.equal(servingSchema.safeParse({ rest_prot: 1 }).success, false);
  assert.equal(servingSchema.safeParse({ batching: { max_batch_size: 0 } }).success, false);
  const m = monitoringSchema.parse({ redact: ['ssn'] });
  assert.deepEqual(m, {
    sample_rate: 1,
    redact: ['ssn'],
    log_inputs: true,
    window: '1h',
    drift: { bins: 10, max_features: 32, max_rows: 5000, p_value: 0.05, psi_alert: 0.25, psi_warn: 0.1 },
    alerts: [],
  });
  assert.equal(monitoringSchema.safeParse({ sample_rate: 2 }).success, false);
  assert.equal(monitoringSchema.safeParse({ window: 'an hour' }).success, false);
});
