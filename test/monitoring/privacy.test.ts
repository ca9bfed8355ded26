import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDb } from '../../src/meta/index.js';
import { compileRedaction, createPredictionLog, purgePredictions } from '../../src/monitoring/index.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';
import { cli } from '../helpers/cli.js';

const DAY = 86_400_000;

test('redaction per field: drop removes it, hash is a salted HMAC (equal values join, other salts differ), mask keeps the last 4', () => {
  const r = compileRedaction({ ssn: 'drop', email: 'hash', card: 'mask', x: 'mask' }, 'salt-1');
  const out = r({ ssn: '123-45-6789', email: 'a@b.c', card: '4111111111111111', x: [1, 2], keep: [3] });
  assert.ok(!('ssn' in out));
  assert.match(String(out.email), /^hmac-sha256:[0-9a-f]{64}$/);
  assert.equal(out.email, r({ email: 'a@b.c' }).email);
  assert.notEqual(out.email, compileRedaction({ email: 'hash' }, 'salt-2')({ email: 'a@b.c' }).email);
  assert.equal(out.card, '************1111');
  assert.equal(out.x, '[redacted]');
  assert.deepEqual(out.keep, [3]);
  // The list form masks, as monitoring.redact always did.
  assert.deepEqual(compileRedaction(['x'], 's')({ x: [1], y: 2 }), { x: '[redacted]', y: 2 });
});

test('the prediction log stores redacted rows, and monitoring.retention deletes old predictions and their feedback', async () => {
  const t = tempWorkspace();
  const db = await openDb({ sqlitePath: t.ws.dbPath });
  try {
    const now = Date.now();
    const old = now - 40 * DAY;
    await db.run(`INSERT INTO predictions (request_id, model, version, at, latency_ms, status) VALUES ('old', 'm', 1, ?, 1, 200)`, [old]);
    await db.run(`INSERT INTO feedback (request_id, label, at) VALUES ('old', '1', ?)`, [old]);
    const log = createPredictionLog(db, { redact: { ssn: 'drop', email: 'hash' }, redactionSalt: 's', retentionMs: 30 * DAY });
    log.record({
      requestId: 'new',
      model: 'm',
      version: 1,
      at: now,
      latencyMs: 1,
      status: 200,
      predicted: '1',
      inputs: () => ({ ssn: ['123-45-6789'], email: ['a@b.c'], x: [[1, 2]] }),
      outputs: () => ({ y: [[0.1, 0.9]] }),
    });
    await log.close();
    const rows = await db.all<{ request_id: string; input_json: string }>(`SELECT request_id, input_json FROM predictions`);
    assert.deepEqual(
      rows.map((r) => r.request_id),
      ['new'],
    );
    const input = JSON.parse(rows[0]!.input_json) as Record<string, unknown>;
    assert.ok(!('ssn' in input));
    assert.match(String(input.email), /^hmac-sha256:/);
    assert.ok(!rows[0]!.input_json.includes('a@b.c'));
    assert.deepEqual(input.x, [[1, 2]]);
    assert.equal((await db.all(`SELECT * FROM feedback`)).length, 0);
  } finally {
    await db.close();
    t.cleanup();
  }
});

test('slipway monitor purge --older-than deletes rows past the age and reports counts', async () => {
  const t = tempWorkspace();
  try {
    const db = await openDb({ sqlitePath: t.ws.dbPath });
    const now = Date.now();
    for (const [id, age] of [
      ['a', 10],
      ['b', 1],
      ['c', 20],
    ] as const)
      await db.run(`INSERT INTO predictions (request_id, model, version, at, latency_ms, status) VALUES (?, 'm', 1, ?, 1, 200)`, [
        id,
        now - age * DAY,
      ]);
    await db.run(`INSERT INTO feedback (request_id, label, at) VALUES ('a', '1', ?)`, [now - 10 * DAY]);
    await db.close();
    const r = cli(['monitor', 'purge', '--older-than', '7d', '--json'], { cwd: t.dir });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { predictions: number; feedback: number };
    assert.equal(out.predictions, 2);
    assert.equal(out.feedback, 1);
    const after = await openDb({ sqlitePath: t.ws.dbPath });
    assert.equal((await purgePredictions(after, 7 * DAY)).predictions, 0);
    assert.equal((await after.all(`SELECT * FROM predictions`)).length, 1);
    await after.close();
    assert.equal(cli(['monitor', 'purge'], { cwd: t.dir }).code, 2);
  } finally {
    t.cleanup();
  }
});
