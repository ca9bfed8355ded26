import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDb } from '../../src/meta/index.js';
import {
  createPredictionLog,
  monitoringReport,
  parseFeedbackBody,
  parseWindow,
  percentile,
  recordFeedback,
} from '../../src/monitoring/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { tempDir } from '../helpers/temp-workspace.js';

test('prediction log: sampled, redacted, written in batches', async () => {
  const t = tempDir();
  const db = await openDb({ sqlitePath: join(t.dir, 'm.db') });
  try {
    let k = 0;
    const log = createPredictionLog(db, { sampleRate: 0.5, redact: ['ssn'], batchRows: 1000, flushMs: 60_000 }, () =>
      k++ % 2 === 0 ? 0.1 : 0.9,
    );
    for (let i = 0; i < 10; i++) {
      log.record({
        requestId: `r${i}`,
        model: 'm',
        version: 1,
        at: 1000 + i,
        latencyMs: i,
        status: 200,
        predicted: 'a',
        inputs: () => ({ ssn: [1], age: [40] }),
        outputs: () => ({ p: [[1]] }),
      });
    }
    assert.equal((await db.all('SELECT * FROM predictions')).length, 0, 'nothing written before the batch is flushed');
    await log.close();
    const rows = await db.all<{ request_id: string; input_json: string }>(
      'SELECT request_id, input_json FROM predictions ORDER BY request_id',
    );
    assert.deepEqual(
      rows.map((r) => r.request_id),
      ['r0', 'r2', 'r4', 'r6', 'r8'],
    );
    assert.deepEqual(JSON.parse(rows[0]!.input_json), { ssn: '[redacted]', age: [40] });
  } finally {
    await db.close();
    t.cleanup();
  }
});

test('monitoring report: rate, errors, latency percentiles and quality from joined feedback (multi-row requests too)', async () => {
  const t = tempDir();
  const db = await openDb({ sqlitePath: join(t.dir, 'm.db') });
  try {
    const now = 10_000_000;
    const rows: unknown[][] = [];
    for (let i = 1; i <= 100; i++)
      rows.push([
        `q${i}`,
        'cls',
        1,
        now - i * 1000,
        i,
        i <= 95 ? 200 : i <= 98 ? 400 : 500,
        i <= 95 ? (i % 2 ? 'cat' : 'dog') : null,
        null,
        null,
      ]);
    rows.push(['old', 'cls', 1, now - 7_200_000, 1, 200, 'cat', null, null]);
    rows.push(['multi', 'cls', 2, now - 50, 3, 200, JSON.stringify(['cat', 'dog']), null, null]);
    rows.push(['other', 'other-model', 1, now - 50, 3, 200, 'cat', null, null]);
    await db.runMany(
      'INSERT INTO predictions (request_id, model, version, at, latency_ms, status, predicted, input_json, output_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      rows,
    );
    // Truth: q1..q10 → cat. Predictions alternate cat (odd) / dog (even): 5 right, 5 wrong (dog for cat).
    await recordFeedback(db, [
      ...Array.from({ length: 10 }, (_, i) => ({ requestId: `q${i + 1}`, label: 'cat' })),
      { requestId: 'multi', label: ['cat', 'cat'] },
      { requestId: 'old', label: 'dog' },
      { requestId: 'other', label: 'dog' },
    ]);
    const r = await monitoringReport(db, 'cls', { windowMs: 3_600_000, now });
    assert.equal(r.requests, 101);
    assert.ok(Math.abs(r.requestRate - 101 / 3600) < 1e-12);
    assert.equal(r.errors, 5);
    assert.ok(Math.abs(r.errorRate - 5 / 101) < 1e-12);
    assert.ok(Math.abs(r.serverErrorRate - 2 / 101) < 1e-12);
    assert.equal(r.latencyMs.p50, 50);
    assert.equal(r.latencyMs.p99, 99);
    assert.deepEqual(r.versions, [
      { version: 1, requests: 100 },
      { version: 2, requests: 1 },
    ]);
    const q = r.quality!;
    assert.equal(q.labelled, 12);
    assert.deepEqual(q.labels, ['cat', 'dog']);
    assert.deepEqual(q.confusion, [
      [6, 6],
      [0, 0],
    ]);
    assert.equal(q.accuracy, 0.5);
    assert.equal(q.perClass[0]!.recall, 0.5);
    assert.equal(q.perClass[0]!.precision, 1);
    assert.equal(q.perClass[1]!.f1, 0);
    const empty = await monitoringReport(db, 'nobody', { windowMs: 1000, now });
    assert.equal(empty.requests, 0);
    assert.equal(empty.quality, null);
  } finally {
    await db.close();
    t.cleanup();
  }
});

test('feedback bodies and windows are validated', () => {
  assert.deepEqual(parseFeedbackBody({ request_id: 'a', label: 3 }), [{ requestId: 'a', label: '3' }]);
  assert.equal(
    parseFeedbackBody({
      feedback: [
        { request_id: 'a', label: 'x' },
        { request_id: 'b', label: ['x', 'y'] },
      ],
    }).length,
    2,
  );
  for (const bad of [{}, { request_id: 'a' }, { request_id: 1, label: 'x' }, { feedback: [] }, [{ request_id: 'a', label: {} }], null]) {
    assert.throws(
      () => parseFeedbackBody(bad),
      (e) => isSlipwayError(e),
      JSON.stringify(bad),
    );
  }
  assert.equal(parseWindow('1h'), 3_600_000);
  assert.equal(parseWindow('15m'), 900_000);
  assert.equal(parseWindow('250'), 250);
  assert.throws(
    () => parseWindow('1 week'),
    (e) => isSlipwayError(e, 'USAGE'),
  );
  assert.equal(percentile([], 50), 0);
  assert.equal(percentile([1, 2, 3, 4], 50), 2);
});
