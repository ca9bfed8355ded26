import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openDb, type Db } from '../../src/meta/index.js';
import { evaluateAlerts, monitoringReport, recordFeedback, sendAlertWebhook, type AlertRule } from '../../src/monitoring/index.js';
import { signPayload } from '../../src/registry/webhooks.js';
import { cli } from '../helpers/cli.js';
import { tempDir, tempWorkspace } from '../helpers/temp-workspace.js';

const INSERT =
  'INSERT INTO predictions (request_id, model, version, at, latency_ms, status, predicted, input_json, output_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';
const HOUR = 3_600_000;

/**
 * Seeds model `m`: 100 predictions in the last hour with latencies 1..100 ms, the first `labelled` of them with
 * feedback, of which `wrong` are mislabelled; the hour before holds 100 predictions of the same classes.
 */
async function seed(db: Db, now: number, labelled: number, wrong: number, currentClass1 = 0.5): Promise<void> {
  const data: unknown[][] = [];
  // Rows start 10 minutes inside their window, so a CLI that starts slowly still sees all of them in `--window 1h`.
  const margin = 10 * 60_000;
  for (let i = 0; i < 100; i++) data.push([`r${i}`, 'm', 1, now - 2 * HOUR + margin + 1000 * (i + 1), 2, 200, String(i % 2), null, null]);
  for (let i = 0; i < 100; i++)
    data.push([`c${i}`, 'm', 1, now - HOUR + margin + 1000 * (i + 1), i + 1, 200, i < 100 * currentClass1 ? '1' : '0', null, null]);
  await db.runMany(INSERT, data);
  const predicted = (i: number): string => (i < 100 * currentClass1 ? '1' : '0');
  await recordFeedback(
    db,
    Array.from({ length: labelled }, (_, i) => ({
      requestId: `c${i}`,
      label: i < wrong ? (predicted(i) === '1' ? '0' : '1') : predicted(i),
    })),
  );
}

const RULES: AlertRule[] = [
  { name: 'low-accuracy', metric: 'accuracy', min: 0.9, min_labelled: 50 },
  { name: 'drift', drift: 'prediction', psi_max: 0.25 },
  { name: 'latency', metric: 'latency_p95_ms', max: 50 },
];

test('alerts fire on low accuracy, drift and latency, and not when within bounds or short of labels', async () => {
  const t = tempDir();
  const db = await openDb({ sqlitePath: join(t.dir, 'm.db') });
  const now = 50 * HOUR;
  try {
    await seed(db, now, 60, 12, 0.9);
    const r = await monitoringReport(db, 'm', { windowMs: HOUR, now });
    const a = evaluateAlerts(r, RULES);
    assert.deepEqual(
      a.map((x) => [x.name, x.fired]),
      [
        ['low-accuracy', true],
        ['drift', true],
        ['latency', true],
      ],
    );
    assert.equal(a[0]!.value, 48 / 60);
    assert.equal(a[0]!.bound, 0.9);
    assert.equal(a[0]!.rule, 'accuracy >= 0.9');
    assert.equal(a[2]!.value, 95);

    // Within bounds: same rules, looser numbers.
    const ok = evaluateAlerts(r, [
      { name: 'acc', metric: 'accuracy', min: 0.7, min_labelled: 50 },
      { name: 'drift', drift: 'prediction', psi_max: 5 },
      { name: 'lat', metric: 'latency_p95_ms', max: 100, min: 1 },
      { name: 'err', metric: 'error_rate', max: 0 },
    ]);
    assert.equal(ok.length, 5);
    assert.ok(
      ok.every((x) => !x.fired && x.skipped === undefined),
      JSON.stringify(ok),
    );

    // Too few labels: the accuracy rule is skipped, not fired; features were not logged, so that rule is skipped too.
    const few = evaluateAlerts(r, [
      { name: 'acc', metric: 'accuracy', min: 0.99, min_labelled: 61 },
      { name: 'feat', drift: 'features', psi_max: 0.1 },
    ]);
    assert.ok(
      few.every((x) => !x.fired && typeof x.skipped === 'string'),
      JSON.stringify(few),
    );
  } finally {
    await db.close();
    t.cleanup();
  }
});

test('alert webhook: signed JSON payload to a real local HTTP server', async () => {
  const got: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const t = tempDir();
  const db = await openDb({ sqlitePath: join(t.dir, 'm.db') });
  try {
    const now = 50 * HOUR;
    await seed(db, now, 60, 12, 0.9);
    const r = await monitoringReport(db, 'm', { windowMs: HOUR, now });
    const alerts = evaluateAlerts(r, RULES);
    const d = await sendAlertWebhook(db, { url, secret: 's3cret' }, r, alerts);
    assert.equal(d!.ok, true);
    assert.equal(got.length, 1);
    const { headers, body } = got[0]!;
    assert.equal(headers['x-slipway-signature'], signPayload('s3cret', body));
    assert.notEqual(headers['x-slipway-signature'], signPayload('other', body));
    assert.equal(headers['x-slipway-event'], 'monitoring.alert');
    const payload = JSON.parse(body) as { model: string; fired: number; alerts: { name: string }[]; drift_status: string };
    assert.equal(payload.model, 'm');
    assert.equal(payload.fired, 3);
    assert.deepEqual(
      payload.alerts.map((x) => x.name),
      ['low-accuracy', 'drift', 'latency'],
    );
    assert.equal(payload.drift_status, 'alert');
    // No secret, no signature.
    await sendAlertWebhook(db, { url }, r, alerts);
    assert.equal(got[1]!.headers['x-slipway-signature'], undefined);
  } finally {
    await db.close();
    t.cleanup();
    await new Promise((r) => server.close(r));
  }
});

test('slipway monitor --check: exit 1 when an alert fires, 0 when none; --retrain runs the pipeline', async () => {
  const yaml = (accuracyMin: number): string =>
    [
      'stages:',
      '  retrain:',
      `    cmd: node -e "require('fs').writeFileSync('retrained.txt', 'ok')"`,
      '    outs: [retrained.txt]',
      'monitoring:',
      '  alerts:',
      `    - { name: low-accuracy, metric: accuracy, min: ${accuracyMin}, min_labelled: 50 }`,
      '    - { name: latency, metric: latency_p95_ms, max: 1000 }',
      '  retrain: { stages: [retrain] }',
      '',
    ].join('\n');
  const w = tempWorkspace({ 'slipway.yaml': yaml(0.9) });
  try {
    const db = await openDb({ sqlitePath: w.ws.dbPath });
    await seed(db, Date.now(), 60, 12);
    await db.close();

    const firing = cli(['monitor', 'm', '--check'], { cwd: w.dir });
    assert.equal(firing.code, 1, firing.stderr);
    assert.match(firing.stdout, /FIRING\s+low-accuracy: accuracy >= 0\.9/);
    assert.match(firing.stdout, /ok\s+latency/);
    assert.equal(existsSync(join(w.dir, 'retrained.txt')), false);

    const json = cli(['monitor', 'm', '--check', '--json'], { cwd: w.dir });
    assert.equal(json.code, 1, json.stderr);
    assert.equal((JSON.parse(json.stdout) as { fired: number }).fired, 1);

    const retrain = cli(['monitor', 'm', '--check', '--retrain'], { cwd: w.dir });
    assert.equal(retrain.code, 1, retrain.stderr);
    assert.equal(existsSync(join(w.dir, 'retrained.txt')), true, retrain.stderr);

    const report = cli(['monitor', 'm'], { cwd: w.dir });
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /drift\s+ok/);
  } finally {
    w.cleanup();
  }
  const p = tempWorkspace({ 'slipway.yaml': yaml(0.5) });
  try {
    const db = await openDb({ sqlitePath: p.ws.dbPath });
    await seed(db, Date.now(), 60, 12);
    await db.close();
    const quiet = cli(['monitor', 'm', '--check'], { cwd: p.dir });
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stdout, /FIRING/);
  } finally {
    p.cleanup();
  }
});

test('monitoring config: alert rules need a bound, drift settings get the common defaults', async () => {
  const { monitoringSchema } = await import('../../src/config/serving-schema.js');
  const parsed = monitoringSchema.parse({
    alerts: [...RULES],
    webhook: { url: 'http://127.0.0.1:9/hook', secret: 'x' },
    retrain: { stages: ['train'] },
  });
  assert.deepEqual(parsed.drift, { p_value: 0.05, psi_warn: 0.1, psi_alert: 0.25, max_features: 32, bins: 10, max_rows: 5000 });
  assert.equal(parsed.alerts.length, 3);
  for (const bad of [
    { alerts: [{ name: 'a', metric: 'accuracy' }] },
    { alerts: [{ name: 'a', metric: 'nonsense', min: 1 }] },
    { alerts: [{ name: 'a', drift: 'prediction' }] },
    { drift: { reference: 'a week' } },
    { webhook: { url: 'not a url' } },
  ])
    assert.equal(monitoringSchema.safeParse(bad).success, false, JSON.stringify(bad));
});
