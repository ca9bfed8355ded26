import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  currentMetrics,
  currentParams,
  diffMarkdown,
  diffValues,
  lineChartSvg,
  loadPipeline,
  readPlotFile,
  resolveBase,
  writePlots,
} from '../../src/pipeline/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { registerModel, setAlias } from '../../src/registry/index.js';
import { writeDenseModel } from '../registry/fixtures.js';
import { pipelineFixture } from './pipeline-fixture.js';

const config = {
  stages: {
    train: {
      cmd: 'true',
      params: ['train.lr'],
      metrics: ['metrics.json'],
      plots: [{ 'loss.csv': { x: 'epoch', y: ['loss', 'val_loss'], title: 'Loss' } }],
    },
  },
};

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd, stdio: 'ignore' });
}

test('metrics and params diff against a git revision and against a model alias', async () => {
  const f = await pipelineFixture(config, {
    'params.yaml': 'train:\n  lr: 0.1\n',
    'metrics.json': JSON.stringify({ accuracy: 0.9, loss: 0.3, gate: { passed: true } }),
    'loss.csv': 'epoch,loss,val_loss\n1,1.0,1.2\n2,0.5,0.7\n3,0.3,0.5\n',
  });
  try {
    git(f.dir, 'init', '-q');
    git(f.dir, 'add', '-A');
    git(f.dir, 'commit', '-qm', 'base');
    f.write({
      'params.yaml': 'train:\n  lr: 0.05\n',
      'metrics.json': JSON.stringify({ accuracy: 0.95, loss: 0.3, f1: 0.9, gate: { passed: false } }),
    });
    const p = loadPipeline(f.dir);
    const base = await resolveBase(f.dir, p, 'HEAD');
    assert.equal(base.kind, 'git');
    const rows = diffValues(base.metrics, currentMetrics(f.dir, p));
    const acc = rows.find((r) => r.key === 'accuracy')!;
    assert.equal(acc.old, 0.9);
    assert.equal(acc.new, 0.95);
    assert.ok(Math.abs(acc.change! - 0.05) < 1e-12);
    assert.deepEqual(
      rows.find((r) => r.key === 'f1'),
      { path: 'metrics.json', key: 'f1', old: null, new: 0.9, change: null },
    );
    // One metrics reader on both sides: a boolean counts as 1/0 at the revision as in the workspace.
    const passed = rows.find((r) => r.key === 'gate.passed')!;
    assert.deepEqual([passed.old, passed.new], [1, 0]);
    assert.match(diffMarkdown(rows, 'HEAD'), /\| metrics.json \| accuracy \| 0.9000 \| 0.9500 \| \+0.05000 \|/);
    const prow = diffValues(base.params, currentParams(f.dir, p)).find((r) => r.key === 'train.lr')!;
    assert.deepEqual([prow.old, prow.new], [0.1, 0.05]);

    // a model alias as BASE: its stored metrics
    const modelDir = writeDenseModel(
      join(f.side, 'model'),
      { w: new Float32Array(12), b: new Float32Array(3) },
      { features: 4, classes: 3 },
    );
    const v = await registerModel(f.db, f.store, {
      name: 'iris',
      from: { path: modelDir },
      metrics: { accuracy: 0.97 },
      params: { 'train.lr': 0.2 },
    });
    await setAlias(f.db, { model: 'iris', alias: 'production', version: v.version, actor: 'test', force: true });
    const prod = await resolveBase(f.dir, p, 'production', { db: async () => f.db, defaultModel: 'iris' });
    assert.equal(prod.kind, 'model');
    const mrow = diffValues(prod.metrics, currentMetrics(f.dir, p), true).find((r) => r.key === 'accuracy')!;
    assert.deepEqual([mrow.old, mrow.new], [0.97, 0.95]);
    await assert.rejects(resolveBase(f.dir, p, 'no-such-thing', { db: async () => f.db }), (e) => isSlipwayError(e, 'REVISION_NOT_FOUND'));
  } finally {
    await f.close();
  }
});

test('plots render plot files to SVG line charts and an HTML page', async () => {
  const f = await pipelineFixture(config, {
    'params.yaml': 'train:\n  lr: 0.1\n',
    'loss.csv': 'epoch,loss,val_loss\n1,1.0,1.2\n2,0.5,0.7\n3,0.3,0.5\n',
  });
  try {
    const chart = readPlotFile(join(f.dir, 'loss.csv'), { x: 'epoch', y: ['loss', 'val_loss'] })!;
    assert.deepEqual(chart.series[0]?.points, [
      [1, 1],
      [2, 0.5],
      [3, 0.3],
    ]);
    const svg = lineChartSvg(chart);
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.equal((svg.match(/<polyline/g) ?? []).length, 2);
    assert.match(svg, />val_loss</);
    assert.match(svg, />epoch</);
    const files = writePlots(f.dir, loadPipeline(f.dir), join(f.dir, 'out'));
    assert.equal(files.length, 2);
    assert.ok(existsSync(join(f.dir, 'out', 'index.html')));
    assert.match(readFileSync(join(f.dir, 'out', 'index.html'), 'utf8'), /<svg/);
  } finally {
    await f.close();
  }
});
