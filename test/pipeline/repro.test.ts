import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipelineStatus, readLock, repro, type ReproResult } from '../../src/pipeline/index.js';
import { getRun } from '../../src/tracking/index.js';
import { countJs, nodeCmd, pipelineFixture } from './pipeline-fixture.js';

const statusOf = (r: ReproResult, stage: string): string | undefined => r.stages.find((s) => s.stage === stage)?.status;

/** prepare: copies input.txt + n into data/; train: writes model.txt and metrics.json from data and lr. */
function twoStages(side: string) {
  return {
    stages: {
      prepare: {
        cmd:
          nodeCmd(
            `const fs=require('fs'); fs.mkdirSync('data',{recursive:true}); fs.writeFileSync('data/clean.txt', fs.readFileSync('input.txt','utf8') + process.argv[1]); ${countJs(side, 'prepare')}`,
          ) + ' ${prepare.n}',
        deps: ['input.txt'],
        params: ['prepare.n'],
        outs: ['data'],
      },
      train: {
        cmd: nodeCmd(
          `const fs=require('fs'); const p=fs.readFileSync('params.yaml','utf8'); fs.writeFileSync('model.txt', fs.readFileSync('data/clean.txt','utf8') + p); fs.writeFileSync('metrics.json', JSON.stringify({accuracy: 0.5 + p.length/1000, loss: 0.1})); ${countJs(side, 'train')}`,
        ),
        deps: ['data'],
        params: ['train.lr'],
        outs: ['model.txt'],
        metrics: ['metrics.json'],
      },
    },
  };
}

test('repro runs in order, skips when unchanged, re-runs on dep/param/cmd change, and tracks each stage as a run', async () => {
  const f = await pipelineFixture({}, { 'input.txt': 'hello', 'params.yaml': 'prepare:\n  n: 1\ntrain:\n  lr: 0.1\n' });
  try {
    f.setConfig(twoStages(f.side));
    let r = await repro(f.env, f.load(), { jobs: 2 });
    assert.ok(r.ok, JSON.stringify(r.stages));
    assert.deepEqual([statusOf(r, 'prepare'), statusOf(r, 'train')], ['ran', 'ran']);
    assert.equal(readFileSync(join(f.dir, 'data/clean.txt'), 'utf8'), 'hello1');
    const lock = readLock(join(f.dir, 'slipway.lock'));
    assert.equal(lock.stages.train?.params['params.yaml']?.['train.lr'], 0.1);
    assert.equal(lock.stages.prepare?.deps[0]?.path, 'input.txt');
    assert.equal(lock.stages.prepare?.outs[0]?.type, 'dir');

    const run = await getRun(f.db, r.stages.find((s) => s.stage === 'train')!.runId!);
    assert.equal(run.kind, 'stage');
    assert.equal(run.status, 'FINISHED');
    assert.equal(run.params['train.lr'], '0.1');
    assert.ok(Math.abs(run.metrics.accuracy! - (0.5 + 'prepare:\n  n: 1\ntrain:\n  lr: 0.1\n'.length / 1000)) < 1e-9);
    assert.ok(run.artifacts.some((a) => a.path === 'stage.log'));
    assert.equal(run.tags['slipway.exit_code'], '0');
    assert.ok(run.endTime! >= run.startTime);

    r = await repro(f.env, f.load());
    assert.deepEqual([statusOf(r, 'prepare'), statusOf(r, 'train')], ['up_to_date', 'up_to_date']);
    assert.equal(f.count('prepare'), 1);

    f.write({ 'params.yaml': 'prepare:\n  n: 1\ntrain:\n  lr: 0.2\n' });
    let st = await pipelineStatus(f.env, f.load());
    assert.deepEqual(st.find((s) => s.stage === 'train')?.reasons, [
      { kind: 'param_changed', file: 'params.yaml', key: 'train.lr', old: 0.1, new: 0.2 },
    ]);
    assert.equal(st.find((s) => s.stage === 'prepare')?.state, 'up_to_date');
    r = await repro(f.env, f.load());
    assert.deepEqual([statusOf(r, 'prepare'), statusOf(r, 'train')], ['up_to_date', 'ran']);

    f.write({ 'input.txt': 'world' });
    st = await pipelineStatus(f.env, f.load());
    assert.deepEqual(st.find((s) => s.stage === 'prepare')?.reasons, [{ kind: 'dep_changed', path: 'input.txt', change: 'modified' }]);
    assert.deepEqual(st.find((s) => s.stage === 'train')?.reasons, [{ kind: 'upstream_stale', stage: 'prepare' }]);
    r = await repro(f.env, f.load());
    assert.deepEqual([statusOf(r, 'prepare'), statusOf(r, 'train')], ['ran', 'ran']);
    assert.equal(f.count('train'), 3);

    const cfg = twoStages(f.side);
    cfg.stages.train.cmd += ' # v2';
    f.setConfig(cfg);
    st = await pipelineStatus(f.env, f.load());
    assert.equal(st.find((s) => s.stage === 'train')?.reasons[0]?.kind, 'cmd_changed');
    r = await repro(f.env, f.load(), { dryRun: true });
    assert.equal(statusOf(r, 'train'), 'would_run');
    assert.equal(f.count('train'), 3, 'dry run runs nothing');
    r = await repro(f.env, f.load());
    assert.equal(statusOf(r, 'train'), 'ran');
    assert.equal(f.count('train'), 4);
  } finally {
    await f.close();
  }
});

test('run cache: outputs deleted and a param changed back are restored without running', async () => {
  const f = await pipelineFixture({}, { 'input.txt': 'hello', 'params.yaml': 'prepare:\n  n: 1\ntrain:\n  lr: 0.1\n' });
  try {
    f.setConfig(twoStages(f.side));
    assert.ok((await repro(f.env, f.load())).ok);
    const model1 = readFileSync(join(f.dir, 'model.txt'), 'utf8');
    f.write({ 'params.yaml': 'prepare:\n  n: 1\ntrain:\n  lr: 0.3\n' });
    assert.ok((await repro(f.env, f.load())).ok);
    assert.equal(f.count('train'), 2);
    f.write({ 'params.yaml': 'prepare:\n  n: 1\ntrain:\n  lr: 0.1\n' });
    rmSync(join(f.dir, 'model.txt'));
    rmSync(join(f.dir, 'metrics.json'));
    rmSync(join(f.dir, 'data'), { recursive: true });
    const dry = await repro(f.env, f.load(), { dryRun: true });
    assert.equal(statusOf(dry, 'prepare'), 'would_restore');
    const r = await repro(f.env, f.load());
    assert.deepEqual([statusOf(r, 'prepare'), statusOf(r, 'train')], ['restored', 'restored']);
    assert.equal(f.count('train'), 2, 'train did not run again');
    assert.equal(f.count('prepare'), 1);
    assert.equal(readFileSync(join(f.dir, 'model.txt'), 'utf8'), model1);
    assert.equal(readFileSync(join(f.dir, 'data/clean.txt'), 'utf8'), 'hello1');
    const st = await pipelineStatus(f.env, f.load());
    assert.ok(
      st.every((s) => s.state === 'up_to_date'),
      JSON.stringify(st),
    );
    // --force ignores the run cache
    const forced = await repro(f.env, f.load(), { force: true, targets: ['train'] });
    assert.equal(statusOf(forced, 'train'), 'ran');
    assert.equal(f.count('train'), 3);
  } finally {
    await f.close();
  }
});

test('independent stages run in parallel with -j 2 (their run intervals overlap)', async () => {
  const sleeper = (name: string): string =>
    nodeCmd(
      `const fs=require('fs'); const s=Date.now(); setTimeout(()=>{ fs.writeFileSync('${name}.json', JSON.stringify({start:s, end:Date.now()})); }, 1000);`,
    );
  const f = await pipelineFixture({ stages: { a: { cmd: sleeper('a'), outs: ['a.json'] }, b: { cmd: sleeper('b'), outs: ['b.json'] } } });
  try {
    const r = await repro(f.env, f.load(), { jobs: 2 });
    assert.ok(r.ok);
    const a = JSON.parse(readFileSync(join(f.dir, 'a.json'), 'utf8')) as { start: number; end: number };
    const b = JSON.parse(readFileSync(join(f.dir, 'b.json'), 'utf8')) as { start: number; end: number };
    assert.ok(a.start < b.end && b.start < a.end, `intervals overlap: a=${JSON.stringify(a)} b=${JSON.stringify(b)}`);
  } finally {
    await f.close();
  }
});

test('a failing stage stops its dependents and lets independent stages finish; missing outputs fail clearly', async () => {
  const f = await pipelineFixture({
    stages: {
      bad: { cmd: nodeCmd(`console.error('boom'); process.exit(3)`), outs: ['bad.txt'] },
      after: { cmd: nodeCmd(`require('fs').writeFileSync('after.txt','x')`), deps: ['bad.txt'], outs: ['after.txt'] },
      lazy: { cmd: nodeCmd(`console.log('forgot to write')`), outs: ['lazy.txt'] },
      good: { cmd: nodeCmd(`require('fs').writeFileSync('good.txt','x')`), outs: ['good.txt'] },
      stray: { cmd: nodeCmd(`require('fs').writeFileSync('stray.txt','x'); require('fs').writeFileSync('s.txt','x')`), outs: ['s.txt'] },
    },
  });
  try {
    const lines: string[] = [];
    const r = await repro(f.env, f.load(), { jobs: 2, onLog: (s, l) => lines.push(`[${s}] ${l}`) });
    assert.equal(r.ok, false);
    assert.equal(statusOf(r, 'bad'), 'failed');
    assert.equal(r.stages.find((s) => s.stage === 'bad')?.error?.code, 'STAGE_FAILED');
    const badRun = await getRun(f.db, r.stages.find((s) => s.stage === 'bad')!.runId!);
    assert.deepEqual([badRun.status, badRun.tags['slipway.exit_code']], ['FAILED', '3']);
    assert.equal(statusOf(r, 'after'), 'skipped');
    assert.equal(statusOf(r, 'good'), 'ran');
    assert.equal(r.stages.find((s) => s.stage === 'lazy')?.error?.code, 'OUTPUT_MISSING');
    // stray ran beside other stages: its undeclared file is only a warning; alone, it is an error
    rmSync(join(f.dir, 'stray.txt'), { force: true });
    const alone = await repro(f.env, f.load(), { targets: ['stray'], force: true });
    assert.equal(alone.stages.find((s) => s.stage === 'stray')?.error?.code, 'OUTPUT_UNDECLARED');
    assert.ok(lines.includes('[bad] boom'), lines.join('\n'));
    assert.ok(existsSync(join(f.dir, 'good.txt')) && !existsSync(join(f.dir, 'after.txt')));
    const lock = readLock(join(f.dir, 'slipway.lock'));
    assert.ok(!('bad' in lock.stages) && !('lazy' in lock.stages) && 'good' in lock.stages);
  } finally {
    await f.close();
  }
});

test('frozen stages are not re-run; always_changed stages always run', async () => {
  const f = await pipelineFixture({}, { 'in.txt': '1' });
  try {
    const cfg = (frozen: boolean) => ({
      stages: {
        f: { cmd: nodeCmd(`require('fs').writeFileSync('f.txt','x'); ${countJs(f.side, 'f')}`), deps: ['in.txt'], outs: ['f.txt'], frozen },
        a: { cmd: nodeCmd(`require('fs').writeFileSync('a.txt','x'); ${countJs(f.side, 'a')}`), outs: ['a.txt'], always_changed: true },
      },
    });
    f.setConfig(cfg(false));
    await repro(f.env, f.load());
    f.setConfig(cfg(true));
    f.write({ 'in.txt': '2' });
    const r = await repro(f.env, f.load());
    assert.equal(statusOf(r, 'f'), 'frozen');
    assert.equal(statusOf(r, 'a'), 'ran');
    assert.deepEqual([f.count('f'), f.count('a')], [1, 2]);
  } finally {
    await f.close();
  }
});

test('a dependency that is a dataset checkout is recorded as the run input; a kubernetes stage without cluster access is EXECUTOR_UNAVAILABLE (the Job runs are in kubernetes-executor.test.ts)', async () => {
  const f = await pipelineFixture({}, { 'data/a.txt': 'a', 'data/b.txt': 'b' });
  try {
    f.setConfig({
      stages: {
        use: {
          cmd: nodeCmd(`require('fs').writeFileSync('n.txt', String(require('fs').readdirSync('data').length))`),
          deps: ['data'],
          outs: ['n.txt'],
        },
        remote: {
          cmd: 'python train.py',
          outs: ['remote.txt'],
          executor: { kind: 'kubernetes', image: 'python:3.12', resources: { cpu: 1 } },
        },
      },
    });
    const { openPathHasher } = await import('../../src/pipeline/index.js');
    const tree = await openPathHasher(f.dir, f.env.statCache).hash('data');
    await f.db.run('INSERT INTO datasets (name, created_at) VALUES (?, ?)', ['letters', 0]);
    await f.db.run('INSERT INTO dataset_versions (name, version, tree_hash, files, bytes, created_at) VALUES (?, ?, ?, 2, 2, 0)', [
      'letters',
      3,
      tree!.hash,
    ]);
    const r = await repro(f.env, f.load());
    const run = await getRun(f.db, r.stages.find((s) => s.stage === 'use')!.runId!);
    assert.deepEqual(run.inputs, [{ dataset: 'letters', version: 3, treeHash: tree!.hash }]);
    const remote = r.stages.find((s) => s.stage === 'remote')!;
    assert.equal(remote.error?.code, 'EXECUTOR_UNAVAILABLE');
    assert.equal(existsSync(join(f.ws.stateDir, 'k8s')), false, 'nothing was submitted');
  } finally {
    await f.close();
  }
});
