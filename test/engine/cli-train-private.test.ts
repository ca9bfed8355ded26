import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { cli } from '../helpers/cli.js';
import { FIXTURES, tempWorkspace } from '../helpers/temp-workspace.js';

const BREAST = join(FIXTURES, 'tabular', 'breast_cancer.csv');
const MODEL = join(import.meta.dirname, '..', '..', 'examples', 'breast-cancer-private', 'model.yaml');

it('slipway train with fit.privacy in model.yaml records ε in the metrics file and the run, within the target', () => {
  const w = tempWorkspace();
  try {
    const t = cli(['train', '--model', MODEL, '--data', BREAST, '--range', '0:455', '--out', 'm', '--metrics', 'out/train.json'], {
      cwd: w.dir,
    });
    assert.equal(t.code, 0, t.stderr);
    const metrics = JSON.parse(readFileSync(join(w.dir, 'out', 'train.json'), 'utf8'));
    assert.ok(metrics.epsilon > 1 && metrics.epsilon <= 8, `ε ${metrics.epsilon}`);
    const r = JSON.parse(cli(['runs', 'show', metrics.run, '--json'], { cwd: w.dir }).stdout);
    assert.equal(r.params.dp_noise_multiplier, '1.1');
    assert.equal(r.metrics.epsilon, metrics.epsilon);
    const e = cli(['evaluate', '--model', 'm', '--data', BREAST, '--range', '455:', '--json'], { cwd: w.dir });
    assert.equal(e.code, 0, e.stderr);
    assert.ok(JSON.parse(e.stdout).accuracy >= 0.9);
  } finally {
    w.cleanup();
  }
});
