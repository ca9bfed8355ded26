import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { isSlipwayError } from '../../src/errors/index.js';
import {
  listExperiments,
  parseOverride,
  queueExperiment,
  runExperiment,
  runQueuedExperiments,
  lookupRunCache,
  readLock,
} from '../../src/pipeline/index.js';
import { cli } from '../helpers/cli.js';
import { countJs, nodeCmd, pipelineFixture } from './pipeline-fixture.js';

const PARAMS = 'train:\n  lr: 0.1\n  epochs: 2\n';

function config(side: string) {
  return {
    stages: {
      train: {
        cmd:
          nodeCmd(
            `const fs=require('fs'); const lr=Number(process.argv[1]); fs.writeFileSync('metrics.json', JSON.stringify({accuracy: 1 - lr})); ${countJs(side, 'train')}`,
          ) + ' ${train.lr}',
        params: ['train.lr', 'train.epochs'],
        metrics: ['metrics.json'],
      },
    },
  };
}

test('parseOverride reads typed values and optional files', () => {
  assert.deepEqual(parseOverride('train.lr=0.01'), { file: 'params.yaml', key: 'train.lr', value: 0.01 });
  assert.deepEqual(parseOverride('other.yaml:model=cnn'), { file: 'other.yaml', key: 'model', value: 'cnn' });
  assert.throws(
    () => parseOverride('nonsense'),
    (e) => isSlipwayError(e, 'USAGE'),
  );
});

test('exp run -S runs with overridden params in a copy and leaves params.yaml untouched', async () => {
  const f = await pipelineFixture({}, { 'params.yaml': PARAMS });
  try {
    f.setConfig(config(f.side));
    const r = await runExperiment(f.ws, f.db, f.store, { overrides: ['train.lr=0.25'], name: 'small' });
    assert.equal(r.status, 'succeeded', r.error);
    assert.deepEqual(r.metrics, { accuracy: 0.75 });
    assert.equal(r.params['train.lr'], 0.25);
    assert.equal(r.params['train.epochs'], 2);
    assert.equal(readFileSync(join(f.dir, 'params.yaml'), 'utf8'), PARAMS, 'params.yaml untouched');
    assert.ok(!existsSync(join(f.dir, 'metrics.json')), 'workspace outputs untouched');
    assert.ok(!existsSync(join(f.dir, 'slipway.lock')));
    assert.equal(r.runIds.length, 1);
    // the experiment's outputs are in the run cache: the same params in the workspace restore instead of running
    await assert.rejects(runExperiment(f.ws, f.db, f.store, { overrides: ['train.nope=1'] }), (e) => isSlipwayError(e, 'PARAM_NOT_FOUND'));
    assert.equal(f.count('train'), 1);
    f.write({ 'params.yaml': 'train:\n  lr: 0.25\n  epochs: 2\n' });
    const { repro } = await import('../../src/pipeline/index.js');
    const again = await repro(f.env, f.load());
    assert.equal(again.stages[0]?.status, 'restored');
    assert.equal(f.count('train'), 1);
    assert.ok(readLock(join(f.dir, 'slipway.lock')).stages.train);
    assert.ok(await lookupRunCache(f.db, readLock(join(f.dir, 'slipway.lock')).stages.train!.key));
  } finally {
    await f.close();
  }
});

test('queued experiments run with run-all, and exp show sorts by a metric', async () => {
  const f = await pipelineFixture({}, { 'params.yaml': PARAMS });
  try {
    f.setConfig(config(f.side));
    queueExperiment(f.ws, ['train.lr=0.3'], 'a');
    queueExperiment(f.ws, ['train.lr=0.05'], 'b');
    assert.deepEqual(
      listExperiments(f.ws).map((e) => e.status),
      ['queued', 'queued'],
    );
    const done = await runQueuedExperiments(f.ws, f.db, f.store, { jobs: 2 });
    assert.deepEqual(done.map((d) => d.status).sort(), ['succeeded', 'succeeded']);
    assert.equal(f.count('train'), 2);
    const show = cli(['exp', 'show', '--sort', 'metrics.accuracy', '--json'], { cwd: f.dir });
    assert.equal(show.code, 0, show.stderr);
    const rows = JSON.parse(show.stdout) as { name: string; metrics: { accuracy?: number } }[];
    assert.deepEqual(
      rows.map((r) => r.name),
      ['b', 'a', 'workspace'],
    );
    assert.equal(readFileSync(join(f.dir, 'params.yaml'), 'utf8'), PARAMS);
  } finally {
    await f.close();
  }
});
