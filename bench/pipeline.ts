/**
 * Pipeline benchmarks (issue 4):
 *  1. `status` and a no-op `repro` on a 100-stage pipeline over 10,000 tracked files (target < 300 ms), against the
 *     anchor of the same status with an empty stat cache (every file hashed, which is what a tool without one does).
 *  2. Two independent 2-second stages with -j 2 against -j 1 (DVC runs stages one at a time: ~4 s).
 *  3. Run-cache restore of a stage with 100 MB of outputs against re-running the stage (10 s of work).
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
    const times = { status: [] as number[], noop: [] as number[] };
    for (let k = 0; k < 5; k++) {
      env = w.env(); // a fresh process-like start: nothing memoised but the on-disk stat cache
      t0 = performance.now();
      const st = await pipelineStatus(env, loadPipeline(w.dir));
      times.status.push(ms(t0));
      if (st.some((s) => s.state !== 'up_to_date')) throw new Error('expected an up-to-date pipeline');
      env.close();
      env = w.env();
      t0 = performance.now();
      const r = await repro(env, loadPipeline(w.dir));
      times.noop.push(ms(t0));
      if (!r.stages.every((s) => s.status === 'up_to_date')) throw new Error('expected a no-op repro');
      env.close();
    }
    rmSync(join(w.ws.stateDir, 'stat-cache.db'), { force: true });
    rmSync(join(w.ws.stateDir, 'stat-cache.db-wal'), { force: true });
    rmSync(join(w.ws.stateDir, 'stat-cache.db-shm'), { force: true });
    rmSync(join(w.ws.stateDir, 'pipeline', 'dir-cache.json'), { force: true });
    env = w.env();
    t0 = performance.now();
    await pipelineStatus(env, loadPipeline(w.dir));
    const cold = ms(t0);
    env.close();
    const med = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
    console.log(`status (100 stages, 10,000 files, warm stat cache): median ${fmt(med(times.status))} (target < 300 ms)`);
    console.log(`no-op repro (same):                              median ${fmt(med(times.noop))} (target < 300 ms)`);
    console.log(
      `anchor: status with empty caches (reads and hashes every file): ${fmt(cold)} -> stat cache speed-up ${(cold / med(times.status)).toFixed(1)}x`,
    );
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
    let t0 = performance.now();
    await repro(env, loadPipeline(w.dir), { jobs: 1, force: true });
    const seq = ms(t0);
    t0 = performance.now();
    await repro(env, loadPipeline(w.dir), { jobs: 2, force: true });
    const par = ms(t0);
    env.close();
    console.log(
      `two independent 2-s stages: -j 1 ${fmt(seq)} (DVC's one-at-a-time behaviour), -j 2 ${fmt(par)} -> ${(seq / par).toFixed(2)}x faster`,
    );
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
    let t0 = performance.now();
    const ran = await repro(env, loadPipeline(w.dir));
    const runMs = ms(t0);
    if (ran.stages[0]?.status !== 'ran') throw new Error('expected the stage to run');
    writeFileSync(join(w.dir, 'params.yaml'), 'seed: 2\n'); // make the workspace differ …
    rmSync(join(w.dir, 'big'), { recursive: true });
    writeFileSync(join(w.dir, 'params.yaml'), 'seed: 1\n'); // … and come back: an identical earlier run exists
    t0 = performance.now();
    const restored = await repro(env, loadPipeline(w.dir));
    const restoreMs = ms(t0);
    if (restored.stages[0]?.status !== 'restored') throw new Error(`expected a restore, got ${restored.stages[0]?.status}`);
    env.close();
    console.log(
      `run cache, 100 MB of outputs: running the stage ${fmt(runMs)}, restoring it ${fmt(restoreMs)} -> ${(runMs / restoreMs).toFixed(1)}x (target >= 10x)`,
    );
  } finally {
    await w.close();
  }
}

console.log('# bench/pipeline.ts (figures are noisy on a shared 2-core machine)');
await bigPipeline();
await parallel();
await runCache();
