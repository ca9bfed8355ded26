import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { addDataset } from '../../src/data/index.js';
import { openDb } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import { loadPipeline, pipelineEnv, pipelineStatus, repro, stageOutputSource } from '../../src/pipeline/index.js';
import { listAliases, lineageDot, modelLineage, promote, registerModel, setAlias } from '../../src/registry/index.js';
import { promotionGateCheck, runGates } from '../../src/gates/index.js';
import { startModelServer } from '../../src/serving/index.js';
import { exportFeedback } from '../../src/monitoring/index.js';
import { listAudit } from '../../src/access/index.js';
import { getRun, listRuns } from '../../src/tracking/index.js';
import { readMetricsFile } from '../../src/pipeline/index.js';
import { rolloutExtension } from '../../src/cli/rollout-host.js';
import { TSX_IMPORT } from '../helpers/cli.js';
import type { RolloutState } from '../../src/rollout/index.js';
import { FIXTURES, tempWorkspace } from '../helpers/temp-workspace.js';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'breast-cancer');

/** The fixture CSV as scikit-learn layout lines: header (rows, features, class names) and rows (target last). */
function csv(): { classes: string[]; rows: string[] } {
  const lines = readFileSync(join(FIXTURES, 'tabular', 'breast_cancer.csv'), 'utf8')
    .trim()
    .split('\n');
  return { classes: lines[0]!.split(',').slice(2), rows: lines.slice(1) };
}

test('the loop closes: new data retrains, gates pass, a canary is promoted; a shuffled-label candidate is rolled back', async (t) => {
  const started = Date.now();
  const phases: string[] = [];
  const mark = (name: string): void => {
    phases.push(`${name} ${((Date.now() - started) / 1000).toFixed(1)} s`);
    t.diagnostic(phases.at(-1)!);
  };
  const { ws, dir, cleanup } = tempWorkspace({
    'prepare.mjs': readFileSync(join(EXAMPLE, 'prepare.mjs'), 'utf8'),
    'model.yaml': readFileSync(join(EXAMPLE, 'model.yaml'), 'utf8'),
    'params.yaml': stringify({ prepare: { test_fraction: 0.2, seed: 7 }, train: { epochs: 25, batch_size: 32, seed: 42 } }),
    'slipway.yaml': stringify({
      stages: {
        prepare: {
          cmd: 'node prepare.mjs "$SLIPWAY_DATASET_BREAST_CANCER" data/prepared --test-fraction ${prepare.test_fraction} --seed ${prepare.seed}',
          deps: ['prepare.mjs', 'dataset:breast-cancer@latest'],
          params: ['prepare.test_fraction', 'prepare.seed'],
          outs: ['data/prepared'],
        },
        train: {
          cmd: 'slipway train --model model.yaml --data data/prepared/train.csv --target target --epochs ${train.epochs} --batch-size ${train.batch_size} --seed ${train.seed} --out model --metrics metrics/train.json',
          deps: ['model.yaml', 'data/prepared/train.csv'],
          params: ['train.epochs', 'train.batch_size', 'train.seed'],
          outs: ['model'],
          metrics: ['metrics/train.json'],
        },
        evaluate: {
          cmd: 'slipway evaluate --model model --data data/prepared/test.csv --target target --out metrics/eval.json',
          deps: ['model', 'data/prepared/test.csv'],
          metrics: ['metrics/eval.json'],
        },
      },
      gates: { 'breast-cancer': { dataset: 'data/prepared/test.csv', target: 'target', rules: [{ metric: 'accuracy', min: 0.9 }] } },
      deployments: {
        'breast-cancer': {
          model: 'breast-cancer',
          stable: 'production',
          canary: { version: 'candidate', steps: [10, 50, 100], interval: '1s' },
          // The good model is right ~99 % of the time: over 30 labelled answers it loses 0.1 by chance about once in
          // 2,000 steps, while the shuffled-label one (~75 % right live) keeps it only a few times in 100 per step.
          analysis: { min_requests: 30, max_error_rate: 0, max_accuracy_drop: 0.1, min_labelled: 30, max_prediction_psi: 1 },
        },
      },
    }),
  });
  const db = await openDb({ sqlitePath: ws.dbPath });
  const store = openObjectStore(ws.objectsDir);
  // Stage commands call `slipway`: a shim that runs this checkout's CLI through tsx.
  const bin = join(ws.stateDir, 'bin');
  mkdirSync(bin, { recursive: true });
  const main = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
  writeFileSync(join(bin, 'slipway'), `#!/bin/sh\nexec '${process.execPath}' --import '${TSX_IMPORT}' '${main}' "$@"\n`);
  chmodSync(join(bin, 'slipway'), 0o755);
  const env = pipelineEnv(ws, db, store, {
    stageEnv: { PATH: `${bin}:${process.env.PATH ?? ''}`, SLIPWAY_NO_PROGRESS: '1', NO_COLOR: '1' },
  });
  let server: Awaited<ReturnType<typeof startModelServer>> | undefined;
  t.after(async () => {
    await server?.close();
    env.close();
    await db.close();
    cleanup();
  });
  const { classes, rows } = csv();
  const addVersion = async (lines: string[]): Promise<number> => {
    const file = join(dir, 'incoming.csv');
    writeFileSync(file, `${lines.length},30,${classes.join(',')}\n${lines.join('\n')}\n`);
    return (await addDataset(db, store, { path: file, name: 'breast-cancer' })).version.version;
  };
  // Retrain → register from the train stage (run, commit, data) → gates; returns the new version.
  const retrain = async (): Promise<{ version: number; passed: boolean; ran: string[] }> => {
    const r = await repro(env, loadPipeline(dir));
    assert.ok(r.ok, JSON.stringify(r.stages.map((s) => [s.stage, s.status, s.error?.message])));
    const pipeline = loadPipeline(dir);
    const mv = await registerModel(db, store, {
      name: 'breast-cancer',
      from: { stage: await stageOutputSource(env, pipeline, 'train') },
      metrics: readMetricsFile(join(dir, 'metrics', 'eval.json')),
    });
    const report = await runGates(db, store, { ref: mv, gates: pipeline.config.gates, root: dir });
    return { version: mv.version, passed: report.passed, ran: r.stages.filter((s) => s.status === 'ran').map((s) => s.stage) };
  };

  // Dataset v1 (the first 400 rows) → repro → model v1 → production.
  assert.equal(await addVersion(rows.slice(0, 400)), 1);
  const first = await retrain();
  assert.deepEqual(first.ran, ['prepare', 'train', 'evaluate']);
  assert.ok(first.passed);
  await promote(db, {
    ref: `breast-cancer@${first.version}`,
    alias: 'production',
    actor: 'test',
    checkGates: promotionGateCheck(db, store, { gates: loadPipeline(dir).config.gates, root: dir }),
  });
  mark('v1 trained and promoted');

  // Nothing changed: nothing retrains.
  const idle = await repro(env, loadPipeline(dir));
  assert.ok(idle.stages.every((s) => s.status === 'up_to_date'));

  server = await startModelServer({
    db,
    store,
    models: [{ ref: 'breast-cancer' }],
    restPort: 0,
    grpcPort: null,
    pollIntervalMs: 100,
    extend: rolloutExtension(db, store, dir, ws.stateDir, loadPipeline(dir).config, () => undefined),
  });
  const base = `http://127.0.0.1:${server.restPort}`;
  let sent = 0;
  let failed = 0;
  let stop = false;
  // A client that labels every answer later (here: at once) with the truth, over the rows not in dataset v1.
  // Malignant and benign rows alternate, so a model that calls (nearly) everything benign cannot look accurate.
  const unseen = rows.slice(400).map((r) => r.split(','));
  const byClass = [unseen.filter((c) => c[30] === '0'), unseen.filter((c) => c[30] === '1')];
  const traffic = async (): Promise<void> => {
    for (let i = 0; !stop; i++) {
      const pool = byClass[i % 2]!;
      const cells = pool[Math.floor(i / 2) % pool.length]!;
      const id = `bc-${randomUUID()}`;
      const r = await fetch(`${base}/v1/models/breast-cancer:predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': id },
        body: JSON.stringify({ instances: [cells.slice(0, 30).map(Number)] }),
      });
      sent++;
      if (r.status !== 200) failed++;
      await r.text();
      const f = await fetch(`${base}/v1/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ request_id: id, label: classes[Number(cells[30])] }),
      });
      if (f.status !== 200) failed++;
      await f.text();
    }
  };
  const clients = [traffic(), traffic()];
  const rollout = async (action: string, body: Record<string, unknown> = {}): Promise<Response> =>
    fetch(`${base}/v1/deployments/breast-cancer/rollout/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const until = async (phase: string): Promise<RolloutState> => {
    for (let i = 0; i < 900; i++) {
      const r = (await (await fetch(`${base}/v1/deployments/breast-cancer/rollout`)).json()) as { rollout: RolloutState | null };
      if (r.rollout?.phase === phase) return r.rollout;
      if (r.rollout && r.rollout.phase !== 'progressing')
        assert.fail(`rollout ended ${r.rollout.phase}: ${JSON.stringify(r.rollout.decisions)}`);
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.fail(`rollout never reached ${phase}`);
  };

  let good: number;
  let bad: number;
  try {
    while (sent < 60) await new Promise((r) => setTimeout(r, 50));
    // Labelled production traffic becomes a dataset of its own.
    const fb = await exportFeedback(db, store, { model: 'breast-cancer', dataset: 'breast-cancer-feedback' });
    // (the last few answers may still await their feedback)
    assert.ok(fb.rows >= 50 && fb.created, `${fb.rows} rows, created ${fb.created}`);
    mark('traffic and feedback exported');

    // Dataset v2 arrives (all rows): the pipeline is stale because of it, retrains, and the candidate passes its gates.
    assert.equal(await addVersion(rows), 2);
    const st = await pipelineStatus(env, loadPipeline(dir));
    assert.deepEqual(st.find((s) => s.stage === 'prepare')!.reasons[0], {
      kind: 'dep_changed',
      path: 'dataset:breast-cancer@latest',
      change: 'modified',
      from: 1,
      to: 2,
    });
    const second = await retrain();
    assert.deepEqual(second.ran, ['prepare', 'train', 'evaluate']);
    assert.ok(second.passed);
    good = second.version;
    mark('v2 retrained and gated');
    await setAlias(db, { model: 'breast-cancer', alias: 'candidate', version: good, actor: 'test' });
    assert.equal((await rollout('start')).status, 200);
    const promoted = await until('promoted');
    assert.equal(promoted.canaryVersion, good);
    assert.equal((await listAliases(db, 'breast-cancer')).find((a) => a.alias === 'production')!.version, good);
    mark('canary promoted');

    // A candidate trained on shuffled labels: its gates fail, so it gets traffic only by a forced, audited start — and
    // the analysis rolls it back at its first step.
    let seed = 7;
    const rand = (): number => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
    const targets = rows.map((r) => r.split(',').at(-1)!);
    for (let i = targets.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [targets[i], targets[j]] = [targets[j]!, targets[i]!];
    }
    await addVersion(rows.map((r, i) => `${r.split(',').slice(0, 30).join(',')},${targets[i]}`));
    const third = await retrain();
    bad = third.version;
    assert.equal(third.passed, false);
    await setAlias(db, { model: 'breast-cancer', alias: 'candidate', version: bad, actor: 'test' });
    assert.equal((await rollout('start')).status, 422); // GATES_NOT_PASSED
    assert.equal((await rollout('start', { force: true, reason: 'test the canary analysis' })).status, 200);
    const back = await until('rolled_back');
    assert.equal(back.weight, 0);
    t.diagnostic(`rollback: ${JSON.stringify(back.decisions.at(-1)!.checks)}`);
    assert.ok(back.decisions.at(-1)!.checks.some((c) => (c.rule === 'max_accuracy_drop' || c.rule === 'max_prediction_psi') && !c.passed));
    assert.equal((await listAliases(db, 'breast-cancer')).find((a) => a.alias === 'production')!.version, good);
    mark('bad canary rolled back');
  } finally {
    stop = true;
    await Promise.all(clients);
  }
  assert.equal(failed, 0, `${failed} of ${sent} client requests failed`);

  // The audit log has each decision with its figures.
  const audit = (await listAudit(db, { limit: 200 })).filter((a) => a.action.startsWith('rollout.')).map((a) => a.action);
  for (const a of ['rollout.start', 'rollout.promote', 'rollout.rollback']) assert.ok(audit.includes(a), audit.join(', '));

  // Lineage: dataset version → stage run (code, parent of the train run) → model version → alias → deployment.
  const g = await modelLineage(db, `breast-cancer@${good}`, {
    deployments: async (_m, _v, aliases) =>
      aliases.includes('production') ? [{ name: 'breast-cancer', role: 'stable', weight: 100 }] : [],
  });
  assert.deepEqual(
    g.datasets.map((d) => `${d.dataset}@${d.version}`),
    ['breast-cancer@2'],
  );
  assert.equal(g.run?.stage, 'train');
  assert.ok(g.aliases.includes('production'));
  const stageRun = await getRun(db, g.run!.id);
  assert.equal(stageRun.kind, 'stage');
  const inner = (await listRuns(db, {})).find((r) => r.kind === 'train' && r.parentRunId === stageRun.id);
  assert.ok(inner, 'the inner `slipway train` run does not name the stage run as its parent');
  const dot = lineageDot(g);
  assert.ok(dot.includes('"dataset:breast-cancer@2"') && dot.includes(`"model:breast-cancer@${good}"`));
  mark('lineage checked');
  t.diagnostic(`loop ${((Date.now() - started) / 1000).toFixed(1)} s (${sent} requests, 0 failed): ${phases.join(', ')}`);
});
