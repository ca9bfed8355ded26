import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { FIXTURES, tempWorkspace } from '../helpers/temp-workspace.js';

const MODEL = join(import.meta.dirname, '..', '..', 'examples', 'breast-cancer', 'model.yaml');

const slipwayYaml = `stages:
  train:
    cmd: slipway train --model model.yaml --data data.csv --target target --range 0:455 --epochs \${train.epochs} --batch-size \${train.batch_size} --out model --metrics metrics/train.json
    deps: [model.yaml, data.csv]
    params: [train.epochs, train.batch_size]
    outs: [model]
    metrics: [metrics/train.json]
  evaluate:
    cmd: "slipway evaluate --model model --data data.csv --target target --range 455: --out metrics/eval.json"
    deps: [model, data.csv]
    metrics: [metrics/eval.json]
sweeps:
  bc:
    method: grid
    metric: { name: accuracy, goal: maximize }
    parameters:
      train.batch_size: { values: [16, 455] }
      train.epochs: { values: [3, 6] }
    early_terminate: { type: hyperband, min_iter: 1, eta: 2, metric: accuracy }
`;

test('slipway sweep run/show/list: trials are tracked pipeline experiments; per-epoch metrics reach the sweep; plots written', async () => {
  const w = tempWorkspace({ 'slipway.yaml': slipwayYaml, 'params.yaml': 'train:\n  epochs: 3\n  batch_size: 32\n' });
  try {
    copyFileSync(MODEL, join(w.dir, 'model.yaml'));
    copyFileSync(join(FIXTURES, 'tabular', 'breast_cancer.csv'), join(w.dir, 'data.csv'));
    const run = cli(['sweep', 'run', 'bc', '--json'], { cwd: w.dir });
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as {
      trials: number;
      counts: Record<string, number>;
      best: { name: string; params: Record<string, number>; value: number; steps: [number, number][] };
      importance: Record<string, number>;
    };
    assert.equal(summary.trials, 4);
    assert.equal(summary.counts.failed, 0);
    assert.ok(summary.best.value > 0.85, `best held-out accuracy ${summary.best.value}`);
    // The per-epoch accuracy the inner `slipway train` run logged was read back while the trial ran (or right after).
    assert.ok(summary.best.steps.length >= 1);
    assert.ok(summary.best.steps.every(([s, v]) => s >= 1 && v >= 0 && v <= 1));
    assert.deepEqual(Object.keys(summary.importance).sort(), ['train.batch_size', 'train.epochs']);
    // Each trial is an experiment; params.yaml is never touched.
    const exps = JSON.parse(cli(['exp', 'show', '--json'], { cwd: w.dir }).stdout) as {
      name: string;
      overrides: Record<string, unknown>;
    }[];
    assert.ok(
      exps.some((e) => e.name === summary.best.name && e.overrides['train.batch_size'] === summary.best.params['train.batch_size']),
    );
    assert.equal(readFileSync(join(w.dir, 'params.yaml'), 'utf8'), 'train:\n  epochs: 3\n  batch_size: 32\n');
    // Re-running a finished sweep repeats nothing.
    const again = cli(['sweep', 'run', 'bc'], { cwd: w.dir });
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /\[trial \d+ running\]/);

    const show = cli(['sweep', 'show', 'bc'], { cwd: w.dir });
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /importance/);
    for (const f of ['history.svg', 'parallel.svg']) {
      const svg = readFileSync(join(w.dir, '.slipway', 'sweeps', 'bc', f), 'utf8');
      assert.match(svg, /^<svg[\s\S]*<\/svg>\s*$/);
    }
    const list = JSON.parse(cli(['sweep', 'list', '--json'], { cwd: w.dir }).stdout) as { name: string; trials: number }[];
    assert.deepEqual(
      list.map((l) => [l.name, l.trials]),
      [['bc', 4]],
    );
    const missing = cli(['sweep', 'run', 'nope'], { cwd: w.dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /SWEEP_NOT_FOUND/);
    assert.ok(existsSync(join(w.dir, '.slipway', 'sweeps', 'bc', 'state.json')));
  } finally {
    w.cleanup();
  }
});
