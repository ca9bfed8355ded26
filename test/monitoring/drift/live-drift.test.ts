import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDb } from '../../../src/meta/index.js';
import { openObjectStore } from '../../../src/store/index.js';
import { liveDataDrift } from '../../../src/monitoring/drift/index.js';
import { cli } from '../../helpers/cli.js';
import { FIXTURES, tempWorkspace } from '../../helpers/temp-workspace.js';

/** scikit-learn's feature names for the Wisconsin data, so reports name features as a doctor would. */
export const BREAST_CANCER_FEATURES = [
  'mean radius',
  'mean texture',
  'mean perimeter',
  'mean area',
  'mean smoothness',
  'mean compactness',
  'mean concavity',
  'mean concave points',
  'mean symmetry',
  'mean fractal dimension',
  'radius error',
  'texture error',
  'perimeter error',
  'area error',
  'smoothness error',
  'compactness error',
  'concavity error',
  'concave points error',
  'symmetry error',
  'fractal dimension error',
  'worst radius',
  'worst texture',
  'worst perimeter',
  'worst area',
  'worst smoothness',
  'worst compactness',
  'worst concavity',
  'worst concave points',
  'worst symmetry',
  'worst fractal dimension',
];

test('monitor --training: logged inputs against the served version’s training data, features named, alert rule', async () => {
  const lines = readFileSync(join(FIXTURES, 'tabular', 'breast_cancer.csv'), 'utf8')
    .trim()
    .split(/\r?\n/)
    .slice(1);
  const csv = [[...BREAST_CANCER_FEATURES, 'target'].join(','), ...lines].join('\n');
  const w = tempWorkspace({ 'data/bc.csv': csv });
  try {
    assert.equal(cli(['data', 'add', 'data/bc.csv', '--name', 'bc'], { cwd: w.dir }).code, 0);
    const model = join(import.meta.dirname, '..', '..', '..', 'examples', 'breast-cancer', 'model.yaml');
    const t = cli(['train', '--model', model, '--data', 'bc@1', '--epochs', '1', '--out', 'm', '--json'], { cwd: w.dir });
    assert.equal(t.code, 0, t.stderr);
    const reg = cli(['models', 'register', 'bc', '--from', JSON.parse(t.stdout).run], { cwd: w.dir });
    assert.equal(reg.code, 0, reg.stderr);
    const db = await openDb({ sqlitePath: w.ws.dbPath });
    const now = Date.now();
    // 300 logged requests: every row scaled ×1.3 in the first ten features (bigger tumours), the rest as trained.
    const rows = lines.slice(0, 300).map((l) => l.split(',').slice(0, 30).map(Number));
    for (const [i, r] of rows.entries()) {
      const x = r.map((v, j) => (j < 10 ? v * 1.3 : v));
      await db.run(
        `INSERT INTO predictions (request_id, model, version, at, latency_ms, status, predicted, input_json, output_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [`r${i}`, 'bc', 1, now - 60_000 + i, 1, 200, '0', JSON.stringify({ input: [x] }), null],
      );
    }
    const live = await liveDataDrift(db, openObjectStore(w.ws.objectsDir), 'bc', { from: now - 3_600_000, to: now });
    await db.close();
    assert.equal(live.version, 1);
    assert.equal(live.reference, 'bc@1');
    assert.deepEqual(live.features, BREAST_CANCER_FEATURES);
    const byName = new Map(live.report.columns.map((c) => [c.name, c]));
    assert.equal(byName.get('mean radius')?.drift, true);
    assert.equal(byName.get('mean radius')?.method, 'ks', '300 logged rows vs 569 reference rows: KS');
    assert.equal(byName.get('worst symmetry')?.drift, false);
    assert.ok(live.report.columns.every((c) => !/input\[/.test(c.name)));

    const text = cli(['monitor', 'bc', '--window', '1h', '--training', '--method', 'psi'], { cwd: w.dir });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /training data bc@1/);
    assert.match(text.stdout, /mean radius\s+numerical\s+psi/);
    writeFileSync(
      join(w.dir, 'slipway.yaml'),
      `${readFileSync(join(w.dir, 'slipway.yaml'), 'utf8')}\nmonitoring:\n  alerts:\n    - { name: inputs, drift: dataset, method: ks, share: 0.3 }\n`,
    );
    const check = cli(['monitor', 'bc', '--window', '1h', '--check', '--json'], { cwd: w.dir });
    assert.equal(check.code, 1, check.stderr);
    const alert = JSON.parse(check.stdout).alerts.find((a: { name: string }) => a.name === 'inputs');
    assert.equal(alert.fired, true);
    assert.ok(alert.value >= 0.3);
  } finally {
    w.cleanup();
  }
});
