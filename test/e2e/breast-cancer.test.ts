import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runDemo } from '../../scripts/demo.js';
import { workspaceAt } from '../../src/config/index.js';
import { openDb } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import { checkoutModelVersion } from '../../src/registry/index.js';
import { loadModel } from '../../src/engine/index.js';
import { readCsvTable } from '../../src/data/index.js';
import { cli } from '../helpers/cli.js';
import { FIXTURES } from '../helpers/temp-workspace.js';

const argmax = (p: ArrayLike<number>, from: number, k: number): number => {
  let best = 0;
  for (let j = 1; j < k; j++) if (p[from + j]! > p[from + best]!) best = j;
  return best;
};

test('breast-cancer scenario: the malignant-recall gate measures what the model does, and decides the alias', async (t) => {
  let kept: string | undefined;
  t.after(() => {
    if (kept) rmSync(dirname(kept), { recursive: true, force: true });
  });
  const r = await runDemo({
    example: 'breast-cancer',
    dataDir: join(FIXTURES, 'tabular'),
    epochs: 40,
    ports: 0,
    requests: 45,
    feedbackShare: 1,
    quiet: true,
    keep: true,
    skipSecondRun: true,
  });
  kept = r.workspace;
  t.diagnostic(`demo ${(r.totalMs / 1000).toFixed(1)} s: ${r.phases.map((p) => `${p.name} ${(p.ms / 1000).toFixed(1)} s`).join(', ')}`);
  assert.ok(r.accuracy > 0.9, `test accuracy ${r.accuracy}`);

  // The engine's own predictions on the held-out rows give the malignant recall the gate must have measured.
  const ws = workspaceAt(r.workspace);
  const db = await openDb({ sqlitePath: ws.dbPath });
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bc-model-'));
  let recall: number;
  let enginePreds: Float32Array;
  try {
    await checkoutModelVersion(db, openObjectStore(ws.objectsDir), `breast-cancer@${r.servedVersion}`, dir);
    const model = await loadModel(dir);
    const table = await readCsvTable(join(r.workspace, 'data', 'prepared', 'test.csv'));
    const out = model.predict({ shape: [table.rows, table.features.length], data: table.x });
    enginePreds = out.data;
    const k = out.shape[1]!;
    let malignant = 0;
    let caught = 0;
    for (let i = 0; i < table.rows; i++) {
      if (table.y![i] !== 0) continue;
      malignant++;
      if (argmax(out.data, i * k, k) === 0) caught++;
    }
    recall = caught / malignant;
    // Served answers equal the engine's for the same rows (the traffic cycles over the test rows in order).
    for (const p of r.predictions.slice(0, 6))
      p.probs.forEach((v, j) =>
        assert.ok(Math.abs(v - enginePreds[p.row * k + j]!) < 1e-4, `${p.protocol}: served ${v} vs engine ${enginePreds[p.row * k + j]}`),
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.close();
  }

  const shown = cli(['models', 'show', `breast-cancer@${r.servedVersion}`, '--json'], { cwd: r.workspace });
  assert.equal(shown.code, 0, shown.stderr);
  const v = JSON.parse(shown.stdout) as {
    gateReport: { passed: boolean; results: { gate: string; value: number; passed: boolean }[] } | null;
    signature: { classLabels?: string[] };
  };
  assert.deepEqual(v.signature.classLabels, ['malignant', 'benign']);
  assert.ok(v.gateReport, 'no gate report stored with the version');
  const floor = v.gateReport.results.find((g) => g.gate === 'class_floor');
  assert.ok(floor, 'no class_floor result');
  assert.ok(Math.abs(floor.value - recall) < 1e-9, `gate measured malignant recall ${floor.value}, the engine gives ${recall}`);
  assert.equal(floor.passed, recall >= 0.95);
  // The alias moved exactly when every gate passed (the demo forces it otherwise, which the history records).
  assert.equal(r.promotedFirst, v.gateReport.passed);

  // Live monitoring: every request was labelled, so its malignant recall is the one over the rows sent.
  const q = r.monitoring.quality;
  assert.ok(q);
  assert.equal(q.labelled, 45);
  const sentMalignant = r.predictions.filter((p) => p.label === 0);
  const live = q.perClass.find((c) => c.label === 'malignant');
  assert.ok(live, `no malignant class in ${JSON.stringify(q.perClass)}`);
  assert.ok(Math.abs(live.recall - sentMalignant.filter((p) => p.predicted === 0).length / sentMalignant.length) < 1e-9);
});
