import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isSlipwayError } from '../../src/errors/index.js';
import { acquireReproLock, readLock, repro } from '../../src/pipeline/index.js';
import { cli, TSX_IMPORT } from '../helpers/cli.js';
import { nodeCmd, pipelineFixture } from './pipeline-fixture.js';

const quick = { stages: { a: { cmd: nodeCmd(`require('fs').writeFileSync('a.txt','x')`), outs: ['a.txt'] } } };

/** Whether `pid` runs; a zombie (dead, waiting for init to reap it after its shell parent died) counts as dead. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('a second repro is refused while one holds the lock, or waits for it; a stale lock is taken over', async () => {
  const f = await pipelineFixture(quick);
  try {
    const held = await acquireReproLock(f.env.reproLockPath);
    await assert.rejects(repro(f.env, f.load()), (e) => isSlipwayError(e, 'REPRO_LOCKED'));
    setTimeout(() => held.release(), 300);
    const r = await repro(f.env, f.load(), { waitMs: 10_000 });
    assert.ok(r.ok);
    assert.ok(!existsSync(f.env.reproLockPath), 'released after repro');
    // a lock left by a dead process on this host is stale
    writeFileSync(f.env.reproLockPath, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), startedAt: 0, command: 'repro' }));
    assert.ok((await repro(f.env, f.load(), { force: true })).ok);
  } finally {
    await f.close();
  }
});

test('a reader in another process never sees a half-written slipway.lock while stages finish in parallel', async () => {
  const stages: Record<string, unknown> = {};
  for (let i = 0; i < 16; i++)
    stages[`s${i}`] = { cmd: nodeCmd(`require('fs').writeFileSync('o${i}.txt', 'x'.repeat(${i * 1000}))`), outs: [`o${i}.txt`] };
  const f = await pipelineFixture({ stages });
  try {
    const yamlUrl = import.meta.resolve('yaml');
    const lockPath = join(f.dir, 'slipway.lock');
    const reader = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { parse } from ${JSON.stringify(yamlUrl)}; import fs from 'node:fs';
         let reads = 0, bad = 0; const end = Date.now() + 60000;
         process.on('SIGTERM', () => { console.log(JSON.stringify({ reads, bad })); process.exit(0); });
         const tick = () => { try { const t = fs.readFileSync(${JSON.stringify(lockPath)}, 'utf8'); reads++; const v = parse(t); if (!v || typeof v.stages !== 'object') bad++; } catch (e) { if (e.code !== 'ENOENT') bad++; } if (Date.now() < end) setImmediate(tick); };
         tick();`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    reader.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const closed = new Promise<void>((r) => reader.on('close', () => r()));
    const r = await repro(f.env, f.load(), { jobs: 4 });
    assert.ok(r.ok);
    reader.kill('SIGTERM');
    await closed;
    const { reads, bad } = JSON.parse(out) as { reads: number; bad: number };
    assert.equal(bad, 0, `${bad} of ${reads} reads saw a broken lock`);
    assert.equal(Object.keys(readLock(lockPath).stages).length, 16);
  } finally {
    await f.close();
  }
});

test('aborting repro kills running stages, keeps finished ones recorded and the lock file valid', async () => {
  const f = await pipelineFixture({});
  try {
    const pidFile = join(f.side, 'long.pid');
    f.setConfig({
      stages: {
        a: quick.stages.a,
        long: {
          cmd: nodeCmd(`require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setTimeout(()=>{}, 60000)`),
          outs: ['long.txt'],
        },
      },
    });
    const ctl = new AbortController();
    const done = repro(f.env, f.load(), { jobs: 2, signal: ctl.signal });
    await until(() => existsSync(pidFile) && existsSync(join(f.dir, 'slipway.lock')), 'both stages to start');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    ctl.abort();
    const r = await done;
    assert.equal(r.interrupted, true);
    assert.equal(r.stages.find((s) => s.stage === 'long')?.status, 'killed');
    await until(() => !alive(pid), 'the stage process to die');
    const lock = readLock(join(f.dir, 'slipway.lock'));
    assert.deepEqual(Object.keys(lock.stages), ['a']);
    assert.ok(!existsSync(f.env.reproLockPath));
  } finally {
    await f.close();
  }
});

test('CLI: concurrent repro is refused with REPRO_LOCKED; SIGINT stops the first cleanly', async () => {
  const f = await pipelineFixture({});
  try {
    const pidFile = join(f.side, 'slow.pid');
    f.setConfig({
      stages: {
        slow: {
          cmd: nodeCmd(`require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setTimeout(()=>{}, 60000)`),
          outs: ['slow.txt'],
        },
      },
    });
    const main = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
    const first = spawn(process.execPath, ['--import', TSX_IMPORT, main, 'repro'], {
      cwd: f.dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    first.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => first.on('close', (code) => r(code)));
    await until(() => existsSync(pidFile), 'the first repro to start its stage');
    const second = cli(['repro'], { cwd: f.dir });
    assert.equal(second.code, 2);
    assert.match(second.stderr, /error\[REPRO_LOCKED\]/);
    first.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 2, stderr);
    assert.match(stderr, /INTERRUPTED/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await until(() => !alive(pid), 'the stage process to die');
    assert.ok(!existsSync(f.env.reproLockPath), 'workspace lock released');
    readLock(join(f.dir, 'slipway.lock'));
  } finally {
    await f.close();
  }
});
