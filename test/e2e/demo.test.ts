import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runDemo, type DemoResult } from '../../scripts/demo.js';
import { workspaceAt } from '../../src/config/index.js';
import { openDb } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import { checkoutModelVersion } from '../../src/registry/index.js';
import { loadModel } from '../../src/engine/index.js';
import { cli, TSX_IMPORT } from '../helpers/cli.js';
import { FIXTURES } from '../helpers/temp-workspace.js';

const DEMO = join(import.meta.dirname, '..', '..', 'scripts', 'demo.ts');

test('demo entry: --help prints the options; a bad flag fails with exit 1', () => {
  const help = spawnSync(process.execPath, ['--import', TSX_IMPORT, DEMO, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /--data DIR/);
  const bad = spawnSync(process.execPath, ['--import', TSX_IMPORT, DEMO, '--epochs', 'many'], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--epochs/);
});

test('the demo loop on the MNIST fixtures: trained, gated, promoted, served over REST and gRPC, monitored', async (t) => {
  let kept: string | undefined;
  t.after(() => {
    if (kept) rmSync(dirname(kept), { recursive: true, force: true });
  });
  const r: DemoResult = await runDemo({
    dataDir: join(FIXTURES, 'mnist'),
    epochs: 1,
    trainCount: 4000,
    testCount: 1000,
    ports: 0,
    requests: 60,
    feedbackShare: 2 / 3,
    quiet: true,
    keep: true,
  });
  kept = r.workspace;
  t.diagnostic(`demo ${(r.totalMs / 1000).toFixed(1)} s: ${r.phases.map((p) => `${p.name} ${(p.ms / 1000).toFixed(1)} s`).join(', ')}`);

  // Trained on the first 4,000 t10k images, evaluated on the last 1,000.
  assert.ok(r.accuracy > 0.85, `test accuracy ${r.accuracy} should exceed 0.85`);

  // The production alias points at the version that was served (or at the second run's, when it passed its gates).
  const shown = cli(['models', 'show', 'mnist', '--json'], { cwd: r.workspace });
  assert.equal(shown.code, 0, shown.stderr);
  const aliases = (JSON.parse(shown.stdout) as { aliases: { alias: string; version: number }[] }).aliases;
  const production = aliases.find((a) => a.alias === 'production');
  assert.ok(production, `no production alias in ${shown.stdout}`);
  assert.equal(production.version, r.second?.promoted ? r.second.version : r.servedVersion);

  // Every protocol answered, and each answer equals the engine's own prediction for the same input.
  assert.equal(r.predictions.length, 60);
  assert.deepEqual(new Set(r.predictions.map((p) => p.protocol)), new Set(['rest-tf', 'rest-v2', 'grpc']));
  const ws = workspaceAt(r.workspace);
  const db = await openDb({ sqlitePath: ws.dbPath });
  const dir = mkdtempSync(join(tmpdir(), 'slipway-demo-model-'));
  try {
    await checkoutModelVersion(db, openObjectStore(ws.objectsDir), `mnist@${r.servedVersion}`, dir);
    const model = await loadModel(dir);
    const rows = r.predictions.slice(0, 12);
    const x = new Float32Array(rows.length * r.rows.rowSize);
    rows.forEach((p, i) => x.set(r.rows.x.subarray(p.row * r.rows.rowSize, (p.row + 1) * r.rows.rowSize), i * r.rows.rowSize));
    const out = model.predict({ shape: [rows.length, 28, 28, 1], data: x });
    const k = out.shape[1]!;
    rows.forEach((p, i) => {
      const own = Array.from(out.data.subarray(i * k, (i + 1) * k));
      assert.equal(p.probs.length, k);
      p.probs.forEach((v, j) =>
        assert.ok(Math.abs(v - own[j]!) < 1e-4, `${p.protocol} ${p.requestId}: served ${v} vs engine ${own[j]} (class ${j})`),
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.close();
  }

  // Monitoring joined exactly the feedback sent, and its accuracy is the one computed from what was sent.
  assert.equal(r.feedback.sent, 40);
  const q = r.monitoring.quality;
  assert.ok(q, 'monitoring has no quality section although feedback was sent');
  assert.equal(q.labelled, r.feedback.sent);
  assert.ok(
    Math.abs(q.accuracy - r.feedback.expectedAccuracy) < 1e-9,
    `monitor accuracy ${q.accuracy} vs expected ${r.feedback.expectedAccuracy}`,
  );
  assert.ok(r.monitoring.requests >= r.predictions.length);
  assert.equal(r.monitoring.errors, 0);

  // The second run trained again with the changed param, got a gate decision, and the run cache restored the first model.
  assert.ok(r.second, 'the second run did not happen');
  assert.equal(r.second.version, r.servedVersion + 1);
  assert.ok(r.second.accuracy > 0.85);
  assert.equal(r.second.cacheRestored, true);
});
