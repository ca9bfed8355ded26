/**
 * Pipeline benchmarks (issue 4):
 *  1. `status` and a no-op `repro` on a 100-stage pipeline over 10,000 tracked files (target < 300 ms), against the
 *     anchor of the same status with an empty stat cache (every file hashed, which is what a tool without one does).
 *  2. Two independent 2-second stages with -j 2 against -j 1 (DVC runs stages one at a time: ~4 s).
 *  3. Run-cache restore of a stage with 100 MB of outputs against re-running the stage (10 s of work).
 * Each pair alternates its two sides (A B A B A B, 5 rounds for status) and prints per-round lines, medians and the
 * min–max of the ratio.
 * Run: node --import tsx bench/pipeline.ts
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { initWorkspace } from '../src/config/index.js';
import { openDb } from '../src/meta/index.js';
import { openObjectStore } from '../src/store/index.js';
import { loadPipeline, pipelineEnv, pipelineStatus, repro } from '../src/pipeline/index.js';
import { alternate, ratioLine, sideLine } from './alternate.js';

const ms = (t0: number): number => performance.now() - t0;
const fmt = (x: number): string => `${x.toFixed(0)} ms`;

async function workspace(config: unknown, files: (dir: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-'));
  const ws = initWorkspace(dir);
  files(dir);
  writeFileSync(join(dir, 'slipway.yaml'), stringify(config));
  const db = await openDb({ sqlitePath: ws.dbPath });
  const store = openObjectStore(ws.objectsDir);
  return {
    dir,
    ws,
    env: () => pipelineEnv(ws, db, store),
    async close() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function bigPipeline(): Promise<void> {
  const stages: Record<string, unknown> = {};
  for (let i = 0; i < 100; i++) stages[`s${i}`] = { cmd: `echo ${i} > out/s${i}.txt`, deps: [`data/shard-${i}`], outs: [`out/s${i}.txt`] };
  const w = await workspace({ stages }, (dir) => {
    mkdirSync(join(dir, 'out'));
    for (let i = 0; i < 100; i++) {
      const d = join(dir, 'data', `shard-${i}`);
      mkdirSync(d, { recursive: true });
      for (let j = 0; j < 100; j++) writeFileSync(join(d, `f${j}.txt`), `shard ${i} file ${j}\n`.repeat(20));
    }
  });
  try {
    let env = w.env();
    let t0 = performance.now();
    const first = await repro(env, loadPipeline(w.dir), { jobs: 4 });
    console.log(
      `setup: first repro of 100 stages over 10,000 files: ${fmt(ms(t0))} (${first.stages.filter((s) => s.status === 'ran').length} ran)`,
    );
    env.close();
    // A: status and a no-op repro, each from a fresh env (nothing memoised but the on-disk stat cache); B (the
    // anchor): status with the stat cache and the directory cache deleted first, so every file is read and hashed.
    // B's status fills the caches again, so the next A is warm again.
    const warm = async (): Promise<{ status: number; noop: number }> => {
      env = w.env();
      t0 = performance.now();
      const st = await pipelineStatus(env, loadPipeline(w.dir));
      const status = ms(t0);
      if (st.some((s) => s.state !== 'up_to_date')) throw new Error('expected an up-to-date pipeline');
      env.close();
      env = w.env();
      t0 = performance.now();
      const r = await repro(env, loadPipeline(w.dir));
      const noop = ms(t0);
      if (!r.stages.every((s) => s.status === 'up_to_date')) throw new Error('expected a no-op repro');
      env.close();
      return { status, noop };
    };
    const cold = async (): Promise<number> => {
      for (const f of ['stat-cache.db', 'stat-cache.db-wal', 'stat-cache.db-shm', join('pipeline', 'dir-cache.json')])
        rmSync(join(w.ws.stateDir, f), { force: true });
      env = w.env();
      t0 = performance.now();
      const st = await pipelineStatus(env, loadPipeline(w.dir));
      const v = ms(t0);
      if (st.some((s) => s.state !== 'up_to_date')) throw new Error('expected an up-to-date pipeline');
      env.close();
      return v;
    };
    const r = await alternate(5, warm, cold);
    const status = r.a.map((x) => x.status);
    const noop = r.a.map((x) => x.noop);
    r.b.forEach((c, i) =>
      console.log(`  round ${i + 1}: status ${fmt(status[i]!)}, no-op repro ${fmt(noop[i]!)} | status with empty caches ${fmt(c)}`),
    );
    console.log(`${sideLine('status (100 stages, 10,000 files, warm stat cache)', status, 'ms')} (target < 300 ms)`);
    console.log(`${sideLine('no-op repro (same)', noop, 'ms')} (target < 300 ms)`);
    console.log(`${sideLine('anchor: status with empty caches (reads and hashes every file)', r.b, 'ms')}`);
    console.log(`stat cache speed-up (empty-cache time / warm time): ${ratioLine(status, r.b, 1)}`);
  } finally {
    await w.close();
  }
}

async function parallel(): Promise<void> {
  const sleeper = (n: string): string => `node -e "setTimeout(() => require('fs').writeFileSync('${n}.txt', 'x'), 2000)"`;
  const w = await workspace(
    { stages: { a: { cmd: sleeper('a'), outs: ['a.txt'] }, b: { cmd: sleeper('b'), outs: ['b.txt'] } } },
    () => undefined,
  );
  try {
    const env = w.env();
    const timed = async (jobs: number): Promise<number> => {
      const t0 = performance.now();
      await repro(env, loadPipeline(w.dir), { jobs, force: true });
      return ms(t0);
    };
    const r = await alternate(
      3,
      () => timed(1),
      () => timed(2),
    );
    env.close();
    r.a.forEach((seq, i) => console.log(`  round ${i + 1}: -j 1 ${fmt(seq)} | -j 2 ${fmt(r.b[i]!)}`));
    console.log(
      `two independent 2-s stages: ${sideLine("-j 1 (DVC's one-at-a-time behaviour)", r.a, 'ms')}; ${sideLine('-j 2', r.b, 'ms')}`,
    );
    console.log(`-j 2 speed-up (-j 1 time / -j 2 time): ${ratioLine(r.b, r.a)}`);
  } finally {
    await w.close();
  }
}

async function runCache(): Promise<void> {
  const js = `const fs=require('fs'); const t=Date.now(); while (Date.now()-t < 10000); fs.mkdirSync('big',{recursive:true}); for (let i=0;i<4;i++) fs.writeFileSync('big/part'+i+'.bin', require('crypto').randomBytes(25*1024*1024));`;
  const w = await workspace({ stages: { big: { cmd: `node -e "${js}"`, params: ['seed'], outs: ['big'] } } }, (dir) =>
    writeFileSync(join(dir, 'params.yaml'), 'seed: 1\n'),
  );
  try {
    const env = w.env();
    // A: the stage runs (forced, so each round runs it); B: the outputs are deleted and the params moved away and
    // back, so an identical earlier run exists and repro restores it from the run cache.
    const run = async (): Promise<number> => {
      const t0 = performance.now();
      const ran = await repro(env, loadPipeline(w.dir), { force: true });
      const v = ms(t0);
      if (ran.stages[0]?.status !== 'ran') throw new Error(`expected the stage to run, got ${ran.stages[0]?.status}`);
      return v;
    };
    const restore = async (): Promise<number> => {
      writeFileSync(join(w.dir, 'params.yaml'), 'seed: 2\n'); // make the workspace differ …
      rmSync(join(w.dir, 'big'), { recursive: true });
      writeFileSync(join(w.dir, 'params.yaml'), 'seed: 1\n'); // … and come back: an identical earlier run exists
      const t0 = performance.now();
      const restored = await repro(env, loadPipeline(w.dir));
      const v = ms(t0);
      if (restored.stages[0]?.status !== 'restored') throw new Error(`expected a restore, got ${restored.stages[0]?.status}`);
      return v;
    };
    const r = await alternate(3, run, restore);
    env.close();
    r.a.forEach((x, i) => console.log(`  round ${i + 1}: running the stage ${fmt(x)} | restoring it ${fmt(r.b[i]!)}`));
    console.log(`run cache, 100 MB of outputs: ${sideLine('running the stage', r.a, 'ms')}; ${sideLine('restoring it', r.b, 'ms')}`);
    console.log(`run-cache speed-up (run time / restore time): ${ratioLine(r.b, r.a, 1)} (target >= 10x)`);
  } finally {
    await w.close();
  }
}

console.log('# bench/pipeline.ts (figures are noisy on a shared 2-core machine)');
await bigPipeline();
await parallel();
await runCache();
