import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli } from '../helpers/cli.js';
import { FIXTURES, tempDir, tempWorkspace, writeFiles } from '../helpers/temp-workspace.js';

const BREAST = join(FIXTURES, 'tabular', 'breast_cancer.csv');
const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');

describe('slipway train / evaluate', () => {
  it('trains the breast-cancer example, tracks a run, and evaluates ≥ 0.95 on held-out rows', () => {
    const w = tempWorkspace();
    try {
      const model = join(EXAMPLES, 'breast-cancer', 'model.yaml');
      const t = cli(['train', '--model', model, '--data', BREAST, '--range', '0:455', '--out', 'm', '--metrics', 'out/train.json'], {
        cwd: w.dir,
      });
      assert.equal(t.code, 0, t.stderr);
      for (const f of ['model.json', 'weights.bin', 'signature.json']) assert.ok(existsSync(join(w.dir, 'm', f)), f);
      const metrics = JSON.parse(readFileSync(join(w.dir, 'out', 'train.json'), 'utf8'));
      assert.equal(metrics.epochs, 30);
      assert.equal(metrics.samples, 455);
      assert.match(metrics.run, /^[0-9A-Z]{26}$/);
      const sig = JSON.parse(readFileSync(join(w.dir, 'm', 'signature.json'), 'utf8'));
      assert.deepEqual(sig.classLabels, ['malignant', 'benign']);
      assert.deepEqual(sig.inputs[0].shape, [-1, 30]);
      const runs = cli(['runs', 'show', metrics.run, '--json'], { cwd: w.dir });
      assert.equal(runs.code, 0, runs.stderr);
      const r = JSON.parse(runs.stdout);
      assert.equal(r.status, 'FINISHED');
      assert.equal(r.kind, 'train');
      assert.equal(r.params.optimizer, 'adam');
      assert.equal(r.params.epochs, '30');
      assert.ok(r.artifacts.some((a: { path: string }) => a.path === 'model'));
      const e = cli(['evaluate', '--model', 'm', '--data', BREAST, '--range', '455:', '--out', 'out/eval.json', '--json'], { cwd: w.dir });
      assert.equal(e.code, 0, e.stderr);
      const ev = JSON.parse(e.stdout);
      assert.ok(ev.accuracy >= 0.95, `accuracy ${ev.accuracy}`);
      assert.equal(ev.count, 114);
      assert.deepEqual(ev.labels, ['malignant', 'benign']);
      assert.equal(ev.confusion.length, 2);
      assert.ok(typeof ev.loss === 'number' && typeof ev.macro.f1 === 'number');
      assert.deepEqual(JSON.parse(readFileSync(join(w.dir, 'out', 'eval.json'), 'utf8')).confusion, ev.confusion);

      // DATA as a dataset version: checked out from the store, and recorded as the run's input.
      writeFiles(w.dir, { 'data/bc.csv': readFileSync(BREAST) });
      assert.equal(cli(['data', 'add', 'data/bc.csv', '--name', 'bc'], { cwd: w.dir }).code, 0);
      const v = cli(['train', '--model', model, '--data', 'bc@1', '--epochs', '1', '--out', 'm2', '--json'], { cwd: w.dir });
      assert.equal(v.code, 0, v.stderr);
      const run2 = JSON.parse(cli(['runs', 'show', JSON.parse(v.stdout).run, '--json'], { cwd: w.dir }).stdout);
      assert.deepEqual(
        run2.inputs.map((i: { dataset: string; version: number }) => `${i.dataset}@${i.version}`),
        ['bc@1'],
      );
    } finally {
      w.cleanup();
    }
  });

  it('trains on an MNIST IDX folder with --train-count outside a workspace, then evaluates a --range', () => {
    const yaml = [
      'layers:',
      '  - { type: conv2d, filters: 4, kernelSize: 3, strides: 2, activation: relu }',
      '  - { type: maxPooling2d, poolSize: 2 }',
      '  - { type: flatten }',
      '  - { type: dense, units: 10, activation: softmax }',
      'compile: { optimizer: { type: adam, learningRate: 0.01 }, loss: sparse_categorical_crossentropy, metrics: [accuracy] }',
      '',
    ].join('\n');
    const t = tempDir({ 'model.yaml': yaml });
    try {
      const mnist = join(FIXTURES, 'mnist');
      const r = cli(['train', '--model', 'model.yaml', '--data', mnist, '--train-count', '600', '--epochs', '1', '--json'], { cwd: t.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).samples, 600);
      const sig = JSON.parse(readFileSync(join(t.dir, 'model', 'signature.json'), 'utf8'));
      assert.deepEqual(sig.inputs[0].shape, [-1, 28, 28, 1]);
      assert.equal(sig.classLabels.length, 10);
      const e = cli(['evaluate', '--model', 'model', '--data', mnist, '--range', '9800:', '--json'], { cwd: t.dir });
      assert.equal(e.code, 0, e.stderr);
      const ev = JSON.parse(e.stdout);
      assert.equal(ev.count, 200);
      assert.ok(ev.accuracy > 0.3, `accuracy ${ev.accuracy}`);
    } finally {
      t.cleanup();
    }
  });

  it('a bad model.yaml fails with CONFIG_INVALID naming file, line and key', () => {
    const t = tempDir({ 'model.yaml': 'layers:\n  - type: dense\n    units: -3\ncompile: { loss: mse }\n' });
    try {
      const r = cli(['train', '--model', 'model.yaml', '--data', BREAST], { cwd: t.dir });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /error\[CONFIG_INVALID\]: model\.yaml:3: layers\.0\.units/);
    } finally {
      t.cleanup();
    }
  });

  it('labels the model cannot hold fail with LABEL_OUT_OF_RANGE', () => {
    const t = tempDir({
      'model.yaml': 'layers:\n  - { type: dense, units: 1, activation: softmax }\ncompile: { loss: sparseCategoricalCrossentropy }\n',
    });
    try {
      const r = cli(['train', '--model', 'model.yaml', '--data', BREAST, '--no-track'], { cwd: t.dir });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /error\[LABEL_OUT_OF_RANGE\]/);
    } finally {
      t.cleanup();
    }
  });
});
