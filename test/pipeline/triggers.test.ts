import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  installPostCommitHook,
  runCi,
  scheduleTick,
  startScheduler,
  uninstallPostCommitHook,
  writeCiWorkflow,
} from '../../src/pipeline/index.js';
import { FIXTURES } from '../helpers/temp-workspace.js';
import { TSX_IMPORT } from '../helpers/cli.js';
import { writeDenseModel } from '../registry/fixtures.js';
import { countJs, nodeCmd, pipelineFixture } from './pipeline-fixture.js';

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd, stdio: 'ignore' });
}

async function until(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('slipway ci: repro, metrics diff vs the base branch, plots, model registration and gates decide the verdict', async () => {
  const f = await pipelineFixture({});
  try {
    const modelSrc = writeDenseModel(
      join(f.side, 'model-src'),
      { w: new Float32Array(12), b: new Float32Array(3) },
      { features: 4, classes: 3 },
    );
    copyFileSync(join(FIXTURES, 'tabular', 'iris.csv'), join(f.dir, 'iris.csv'));
    const cfg = (acc: number) => ({
      stages: {
        train: {
          cmd: nodeCmd(
            `const fs=require('fs'); fs.cpSync(${JSON.stringify(modelSrc)}, 'model', {recursive:true}); fs.writeFileSync('metrics.json', JSON.stringify({accuracy: ${acc}})); fs.writeFileSync('loss.json', JSON.stringify([{step:1,loss:0.9},{step:2,loss:0.4}]));`,
          ),
          outs: ['model'],
          metrics: ['metrics.json'],
          plots: ['loss.json'],
        },
      },
      ci: { model: 'iris', model_path: 'model' },
      gates: { iris: { dataset: 'iris.csv', rules: [{ metric: 'accuracy', min: 0.9 }] } },
    });
    f.setConfig(cfg(0.8));
    f.write({ 'metrics.json': JSON.stringify({ accuracy: 0.8 }) });
    git(f.dir, 'init', '-q', '-b', 'main');
    git(f.dir, 'add', '-A');
    git(f.dir, 'commit', '-qm', 'base');
    git(f.dir, 'checkout', '-qb', 'feature');
    f.setConfig(cfg(0.85));
    const r = await runCi(f.ws, f.env, f.load(), { base: 'main' });
    assert.ok(r.repro.ok);
    assert.deepEqual(r.model, { name: 'iris', version: 1 });
    assert.equal(r.gates?.passed, false, 'an all-zero model cannot reach accuracy 0.9 on iris');
    assert.equal(r.ok, false);
    const report = readFileSync(join(f.dir, 'slipway-report.md'), 'utf8');
    assert.match(report, /Verdict: FAIL/);
    assert.match(report, /vs base branch `main`/);
    assert.match(report, /\| metrics.json \| accuracy \| 0.8000 \| 0.8500 \| \+0.05000 \|/);
    assert.match(report, /!\[slipway_plots\/01-loss.json.svg\]/);
    assert.match(report, /## Gates/);
    assert.ok(existsSync(join(f.dir, 'slipway_plots', 'index.html')));

    const gh = parseYaml(readFileSync(writeCiWorkflow(f.dir, 'github'), 'utf8')) as { jobs: { slipway: { steps: { run?: string }[] } } };
    assert.ok(gh.jobs.slipway.steps.some((s) => s.run === 'npx slipway ci'));
    const gl = parseYaml(readFileSync(writeCiWorkflow(f.dir, 'gitlab'), 'utf8')) as { slipway: { script: string[] } };
    assert.ok(gl.slipway.script.includes('npx slipway ci'));
  } finally {
    await f.close();
  }
});

test('hooks install: a commit runs repro in the background and logs to .slipway/logs/hook-*.log', async () => {
  const f = await pipelineFixture({});
  try {
    f.setConfig({
      stages: { a: { cmd: nodeCmd(`require('fs').writeFileSync('a.txt','x'); ${countJs(f.side, 'hook')}`), outs: ['a.txt'] } },
    });
    git(f.dir, 'init', '-q');
    const main = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
    const { hook, logDir } = installPostCommitHook(f.dir, f.ws.stateDir, [process.execPath, '--import', TSX_IMPORT, main]);
    installPostCommitHook(f.dir, f.ws.stateDir, [process.execPath, '--import', TSX_IMPORT, main]); // idempotent
    const text = readFileSync(hook, 'utf8');
    assert.equal(text.split('>>> slipway post-commit >>>').length, 2);
    assert.ok(statSync(hook).mode & 0o100);
    git(f.dir, 'add', 'slipway.yaml');
    git(f.dir, 'commit', '-qm', 'c1');
    await until(() => f.count('hook') === 1 && existsSync(join(f.dir, 'slipway.lock')), 'the hook to run the pipeline');
    const logs = readdirSync(logDir).filter((n) => n.startsWith('hook-'));
    assert.equal(logs.length, 1);
    await until(() => /ok: 1 ran/.test(readFileSync(join(logDir, logs[0]!), 'utf8')), 'the hook log to finish');
    assert.ok(uninstallPostCommitHook(f.dir));
    assert.ok(!readFileSync(hook, 'utf8').includes('slipway'));
  } finally {
    await f.close();
  }
});

test('schedule --once: a new dataset version triggers its stages; cron entries fire when an occurrence passed', async () => {
  const f = await pipelineFixture({});
  try {
    const ran: string[] = [];
    let clock = new Date('2026-01-01T00:00:30Z');
    const opts = {
      entries: [{ on_dataset: 'mnist', stages: ['train'] }, { cron: '*/5 * * * *' }],
      db: f.db,
      statePath: join(f.ws.stateDir, 'schedule-state.json'),
      now: () => clock,
      run: async (t: { reason: string }) => {
        ran.push(t.reason);
        return true;
      },
    };
    const addVersion = async (v: number): Promise<void> => {
      if (v === 1) await f.db.run('INSERT INTO datasets (name, created_at) VALUES (?, ?)', ['mnist', 0]);
      await f.db.run('INSERT INTO dataset_versions (name, version, tree_hash, files, bytes, created_at) VALUES (?, ?, ?, 0, 0, 0)', [
        'mnist',
        v,
        'a'.repeat(64),
      ]);
    };
    await addVersion(1);
    assert.deepEqual(await scheduleTick(opts), [], 'the first pass only records what exists');
    clock = new Date('2026-01-01T00:01:00Z');
    assert.deepEqual(await scheduleTick(opts), []);
    await addVersion(2);
    clock = new Date('2026-01-01T00:02:00Z');
    const r = await scheduleTick(opts);
    assert.deepEqual(
      r.map((x) => x.trigger),
      [{ reason: 'new dataset version mnist@2', stages: ['train'] }],
    );
    clock = new Date('2026-01-01T00:05:10Z');
    assert.deepEqual(
      (await scheduleTick(opts)).map((x) => x.trigger.reason),
      ['cron "*/5 * * * *"'],
    );
    assert.deepEqual(ran, ['new dataset version mnist@2', 'cron "*/5 * * * *"']);
  } finally {
    await f.close();
  }
});

test('the long-running scheduler polls for dataset versions and stops cleanly, aborting a running pipeline', async () => {
  const f = await pipelineFixture({});
  try {
    await f.db.run('INSERT INTO datasets (name, created_at) VALUES (?, ?)', ['iris', 0]);
    await f.db.run('INSERT INTO dataset_versions (name, version, tree_hash, files, bytes, created_at) VALUES (?, 1, ?, 0, 0, 0)', [
      'iris',
      'b'.repeat(64),
    ]);
    const seen: string[] = [];
    let aborted = false;
    const s = startScheduler({
      entries: [{ on_dataset: 'iris' }],
      db: f.db,
      statePath: join(f.ws.stateDir, 'schedule-state.json'),
      pollMs: 50,
      run: (t, signal) =>
        new Promise<boolean>((resolve) => {
          seen.push(t.reason);
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve(false);
          });
        }),
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(seen, [], 'versions that existed at start do not trigger');
    await f.db.run('INSERT INTO dataset_versions (name, version, tree_hash, files, bytes, created_at) VALUES (?, 2, ?, 0, 0, 0)', [
      'iris',
      'c'.repeat(64),
    ]);
    await until(() => seen.length === 1, 'the new version to trigger a run', 10_000);
    assert.deepEqual(seen, ['new dataset version iris@2']);
    await s.stop();
    assert.ok(aborted, 'stop() aborts the running pipeline and waits for it');
  } finally {
    await f.close();
  }
});
