import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { tempWorkspace } from '../helpers/temp-workspace.js';
import { cli, TSX_IMPORT } from '../helpers/cli.js';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Polls `cond` every 100 ms for up to `ms`; true once it holds. */
async function eventually(cond: () => boolean, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 100) {
    if (cond()) return true;
    await sleep(100);
  }
  return cond();
}

test('a SIGKILLed repro takes its stage processes with it, and its RUNNING runs are marked KILLED on the next start', async () => {
  const t = tempWorkspace();
  try {
    // The stage records the pid of the process it becomes, then sleeps far longer than the test.
    writeFileSync(
      join(t.dir, 'slipway.yaml'),
      stringify({ stages: { train: { cmd: `sh -c 'echo $$ > stage.pid; exec sleep 120'`, outs: ['model.bin'] } } }),
    );
    const repro = spawn(process.execPath, ['--import', TSX_IMPORT, MAIN, 'repro'], {
      cwd: t.dir,
      env: { ...process.env, NO_COLOR: '1', SLIPWAY_NO_PROGRESS: '1' },
      stdio: 'ignore',
    });
    const pidFile = join(t.dir, 'stage.pid');
    assert.ok(
      await eventually(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 90_000),
      'the stage never started',
    );
    const stagePid = Number(readFileSync(pidFile, 'utf8').trim());
    assert.ok(alive(stagePid));
    repro.kill('SIGKILL');
    await new Promise((r) => repro.once('exit', r));
    // The stage's watcher notices the parent is gone (it polls once a second) and kills the whole group.
    assert.ok(await eventually(() => !alive(stagePid), 15_000), `stage process ${stagePid} outlived its repro`);
    const runs = cli(['runs', 'list', '--json'], { cwd: t.dir });
    assert.equal(runs.code, 0, runs.stderr);
    const list = JSON.parse(runs.stdout) as { runs?: { status: string }[] } | { status: string }[];
    const rows = Array.isArray(list) ? list : (list.runs ?? []);
    assert.ok(rows.length >= 1, runs.stdout);
    assert.ok(
      rows.every((r) => r.status !== 'RUNNING'),
      runs.stdout,
    );
    assert.ok(
      rows.some((r) => r.status === 'KILLED'),
      runs.stdout,
    );
  } finally {
    t.cleanup();
  }
});
