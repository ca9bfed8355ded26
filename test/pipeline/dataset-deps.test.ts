import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { addDataset } from '../../src/data/index.js';
import { pipelineStatus, repro, scheduleTick } from '../../src/pipeline/index.js';
import { getRun } from '../../src/tracking/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { buildPipeline } from '../../src/pipeline/load-pipeline.js';
import { parseDatasetDep } from '../../src/pipeline/dataset-deps.js';
import { countJs, nodeCmd, pipelineFixture } from './pipeline-fixture.js';

async function addVersion(fx: Awaited<ReturnType<typeof pipelineFixture>>, csv: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-ds-'));
  try {
    writeFileSync(join(dir, 'rows.csv'), csv);
    const r = await addDataset(fx.db, fx.store, { path: join(dir, 'rows.csv'), name: 'rows' });
    return r.version.version;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('dataset deps: parse @latest and pinned versions, refuse bad ones', () => {
  assert.deepEqual(parseDatasetDep('dataset:breast-cancer'), { spec: 'dataset:breast-cancer@latest', name: 'breast-cancer' });
  assert.deepEqual(parseDatasetDep('dataset:iris@3'), { spec: 'dataset:iris@3', name: 'iris', version: 3 });
  for (const bad of ['dataset:', 'dataset:x@0', 'dataset:x@v2', 'dataset:../x'])
    assert.throws(
      () => parseDatasetDep(bad),
      (e: unknown) => isSlipwayError(e, 'PIPELINE_INVALID'),
    );
  // A dataset dep is not a path: the pipeline loads without such a file existing.
  const p = buildPipeline('/nonexistent', {
    stages: { s: { cmd: 'true', deps: ['dataset:rows@latest'] } },
  } as unknown as Parameters<typeof buildPipeline>[1]);
  assert.deepEqual(p.stages.get('s')!.deps, ['dataset:rows@latest']);
});

test('dataset deps: a new version makes @latest stages stale, the stage reads it, the run records it; pinned deps stay', async () => {
  const f = await pipelineFixture({});
  try {
    const copy = (name: string) =>
      nodeCmd(`${countJs(f.side, name)} require('fs').copyFileSync(process.env.SLIPWAY_DATASET_ROWS, '${name}.csv');`);
    f.setConfig({
      stages: {
        latest: { cmd: copy('latest'), deps: ['dataset:rows@latest'], outs: ['latest.csv'] },
        pinned: { cmd: copy('pinned'), deps: ['dataset:rows@1'], outs: ['pinned.csv'] },
      },
    });
    // No version yet: the stage cannot run, and says which dataset is missing.
    const none = await repro(f.env, f.load());
    assert.equal(none.ok, false);
    assert.equal(none.stages[0]!.error?.code, 'DEPENDENCY_MISSING');

    assert.equal(await addVersion(f, 'a,b\n1,2\n'), 1);
    const first = await repro(f.env, f.load());
    assert.ok(first.ok, JSON.stringify(first.stages));
    assert.equal(readFileSync(join(f.dir, 'latest.csv'), 'utf8'), 'a,b\n1,2\n');
    const lock = parseYaml(readFileSync(join(f.dir, 'slipway.lock'), 'utf8')) as {
      stages: Record<string, { deps: { path: string; hash: string; dataset?: string; version?: number }[] }>;
    };
    const dep = lock.stages.latest!.deps[0]!;
    assert.equal(dep.path, 'dataset:rows@latest');
    assert.equal(dep.dataset, 'rows');
    assert.equal(dep.version, 1);
    assert.match(dep.hash, /^[0-9a-f]{64}$/);
    const run = await getRun(f.db, first.stages.find((s) => s.stage === 'latest')!.runId!);
    assert.deepEqual(
      run.inputs.map((i) => [i.dataset, i.version]),
      [['rows', 1]],
    );

    // Nothing changed: up to date.
    const again = await repro(f.env, f.load());
    assert.deepEqual(
      again.stages.map((s) => s.status),
      ['up_to_date', 'up_to_date'],
    );
    // Re-adding identical bytes makes no version and nothing stale.
    assert.equal(await addVersion(f, 'a,b\n1,2\n'), 1);

    assert.equal(await addVersion(f, 'a,b\n1,2\n3,4\n'), 2);
    const status = await pipelineStatus(f.env, f.load());
    const latest = status.find((s) => s.stage === 'latest')!;
    assert.equal(latest.state, 'stale');
    assert.deepEqual(latest.reasons[0], { kind: 'dep_changed', path: 'dataset:rows@latest', change: 'modified', from: 1, to: 2 });
    assert.equal(status.find((s) => s.stage === 'pinned')!.state, 'up_to_date');
    const second = await repro(f.env, f.load());
    assert.deepEqual(
      second.stages.map((s) => `${s.stage}:${s.status}`),
      ['latest:ran', 'pinned:up_to_date'],
    );
    assert.equal(readFileSync(join(f.dir, 'latest.csv'), 'utf8'), 'a,b\n1,2\n3,4\n');
    assert.equal(f.count('latest'), 2);
    assert.equal(f.count('pinned'), 1);
  } finally {
    await f.close();
  }
});

test('on_dataset schedule: a new version retrains the dependent stage; a tick with no new version runs nothing', async () => {
  const f = await pipelineFixture({});
  try {
    f.setConfig({
      stages: { train: { cmd: nodeCmd(countJs(f.side, 'train')), deps: ['dataset:rows@latest'] } },
    });
    await addVersion(f, 'x\n1\n');
    assert.ok((await repro(f.env, f.load())).ok);
    assert.equal(f.count('train'), 1);
    const statePath = join(f.ws.stateDir, 'schedule-state.json');
    const outcomes: string[][] = [];
    const sched = {
      entries: [{ on_dataset: 'rows' }],
      db: f.db,
      statePath,
      run: async (t: { stages?: readonly string[] }) => {
        const r = await repro(f.env, f.load(), { targets: t.stages });
        outcomes.push(r.stages.map((s) => s.status));
        return r.ok;
      },
    };
    assert.deepEqual(await scheduleTick(sched), []); // first pass records what exists
    await addVersion(f, 'x\n1\n2\n');
    const fired = await scheduleTick(sched);
    assert.equal(fired.length, 1);
    assert.match(fired[0]!.trigger.reason, /rows@2/);
    assert.deepEqual(outcomes, [['ran']]);
    assert.equal(f.count('train'), 2);
    assert.deepEqual(await scheduleTick(sched), []);
  } finally {
    await f.close();
  }
});
