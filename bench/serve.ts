// Model serving throughput and tail latency: Slipway's server (the MNIST CNN in the engine's format, random weights —
// throughput does not depend on accuracy) against the FastAPI + PyTorch anchor, same wrk command, same machine, same run.
// Also: batching on vs off at 64 connections, the worker-thread hop vs inline prediction, idle RSS and an RSS soak.
// Needs: apt-get install -y python3-torch python3-fastapi python3-uvicorn wrk
// Run: node --import tsx bench/serve.ts [--seconds 15] [--soak-seconds 60]
import { mnistCnn } from './mnist-cnn.js';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveModel } from '../src/engine/index.js';
import { loadModelRuntime } from '../src/serving/index.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const seconds = arg('--seconds', 15);
const soakSeconds = arg('--soak-seconds', 60);
const repo = join(import.meta.dirname, '..');
const anchors = join(repo, '..', 'shared', 'anchors');
const lua = join(anchors, 'predict_one.lua');

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  errors: string;
}

function ms(s: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(s);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

function wrk(url: string, conns: number, secs: number): WrkResult {
  const out = execFileSync('wrk', ['-t2', `-c${conns}`, `-d${secs}s`, '--latency', '-s', lua, url], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = ms(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const p99 = ms(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const errors = [/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[0], /Socket errors: .*/.exec(out)?.[0]].filter(Boolean).join('; ');
  return { rps, p50, p99, errors };
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  const body = JSON.stringify({ instances: [new Array(784).fill(0.5)] });
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never became ready`);
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1]) / 1024;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * The compiled CLI, as users run it (under tsx the loader and a second copy of it in the worker add ~60 MB of RSS).
 * Uses dist/ when built; otherwise compiles into a temporary package folder (package.json, proto/, native build and
 * node_modules linked) so the repository's dist/ is left alone.
 */
function compiledCli(tmp: string): string {
  const built = join(repo, 'dist', 'cli', 'main.js');
  if (existsSync(built)) return built;
  const pkg = join(tmp, 'pkg');
  mkdirSync(pkg);
  copyFileSync(join(repo, 'package.json'), join(pkg, 'package.json'));
  for (const d of ['node_modules', 'proto', 'build', 'native']) if (existsSync(join(repo, d))) symlinkSync(join(repo, d), join(pkg, d));
  console.log('compiling the CLI (tsc -p tsconfig.build.json) into a temporary package…');
  try {
    execFileSync(
      process.execPath,
      [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(repo, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')],
      { stdio: 'ignore' },
    );
  } catch {
    // tsc exits non-zero on type errors elsewhere but still emits JavaScript.
  }
  const main = join(pkg, 'dist', 'cli', 'main.js');
  if (!existsSync(main)) throw new Error('could not compile the CLI');
  return main;
}

let cliMain = '';

function slipway(modelDir: string, port: number, extra: string[] = []): ChildProcess {
  return spawn(process.execPath, [cliMain, 'serve', modelDir, '--rest-port', String(port), '--no-grpc', ...extra], {
    cwd: tmpdir(),
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NO_COLOR: '1' },
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'slipway-bench-serve-'));
const children: ChildProcess[] = [];
try {
  const modelDir = join(tmp, 'mnist');
  const model = mnistCnn(1);
  await saveModel(model, modelDir);
  cliMain = compiledCli(tmp);
  console.log(`server: node ${cliMain.startsWith(repo) ? cliMain.slice(repo.length + 1) : 'dist (compiled for this run)'} serve mnist/`);

  // 1. The worker hop: sequential single-image latency inline vs in a worker thread, in this process.
  const x = new Float32Array(784).map((_, i) => (i % 17) / 17);
  for (const [label, opts] of [
    ['inline', { inlineMaxWeightBytes: 1e12 }],
    ['worker', { inlineMaxWeightBytes: 0 }],
  ] as const) {
    const rt = await loadModelRuntime(modelDir, opts);
    const name = rt.signature.inputs[0]!.name;
    const one = () => rt.predict({ [name]: { dtype: 'FP32', shape: [1, 28, 28, 1], data: x } });
    for (let i = 0; i < 50; i++) await one();
    const n = 500;
    let t0 = performance.now();
    for (let i = 0; i < n; i++) await one();
    const seq = ((performance.now() - t0) * 1000) / n;
    t0 = performance.now();
    await Promise.all(Array.from({ length: n }, one));
    const conc = ((performance.now() - t0) * 1000) / n;
    console.log(
      `runtime ${label.padEnd(6)}: ${seq.toFixed(0)} µs/prediction one at a time, ${conc.toFixed(0)} µs/prediction with ${n} in flight`,
    );
    await rt.close();
  }

  // 2. Slipway vs the anchor, wrk -t2 -c16.
  const anchor = spawn('/usr/bin/python3', [join(anchors, 'serve_torch_fastapi.py'), '18601'], {
    cwd: anchors,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(anchor);
  await waitReady('http://127.0.0.1:18601/v1/models/mnist:predict', anchor);
  const a = wrk('http://127.0.0.1:18601/v1/models/mnist:predict', 16, seconds);
  await stop(anchor);

  const off = slipway(modelDir, 18501);
  children.push(off);
  await waitReady('http://127.0.0.1:18501/v1/models/mnist:predict', off);
  await new Promise((r) => setTimeout(r, 1000));
  const idleRss = rssMiB(off.pid!);
  const s = wrk('http://127.0.0.1:18501/v1/models/mnist:predict', 16, seconds);
  const f = (r: WrkResult): string =>
    `${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms${r.errors ? ` (${r.errors})` : ''}`;
  console.log(`\nwrk -t2 -c16 -d${seconds}s, one MNIST image per request`);
  console.log(`  anchor (FastAPI + PyTorch): ${f(a)}`);
  console.log(`  slipway serve             : ${f(s)}`);
  console.log(`  throughput ratio ${(s.rps / a.rps).toFixed(2)}x (target ≥ 3x); p99 ratio ${(s.p99 / a.p99).toFixed(2)} (target ≤ 0.5)`);

  // 3. Batching off vs on at 64 connections.
  const off64 = wrk('http://127.0.0.1:18501/v1/models/mnist:predict', 64, seconds);
  const on = slipway(modelDir, 18502, ['--batching', '--max-batch-size', '32', '--batch-timeout-ms', '2']);
  children.push(on);
  await waitReady('http://127.0.0.1:18502/v1/models/mnist:predict', on);
  const on64 = wrk('http://127.0.0.1:18502/v1/models/mnist:predict', 64, seconds);
  await stop(on);
  console.log(`\nwrk -t2 -c64 -d${seconds}s`);
  console.log(`  batching off: ${f(off64)}`);
  console.log(`  batching on : ${f(on64)} (max batch 32, max delay 2 ms)`);
  console.log(`  batching ratio ${(on64.rps / off64.rps).toFixed(2)}x (target ≥ 1.5x)`);

  // 4. Idle RSS, and RSS under load over a soak (least-squares slope of samples taken every second).
  console.log(`\nidle RSS after warm-up: ${idleRss.toFixed(1)} MiB (target < 150 MiB)`);
  if (soakSeconds > 0) {
    const samples: [number, number][] = [];
    const t0 = Date.now();
    const load = spawn('wrk', ['-t1', '-c8', `-d${soakSeconds}s`, '-s', lua, 'http://127.0.0.1:18501/v1/models/mnist:predict'], {
      stdio: 'ignore',
    });
    while (load.exitCode === null && Date.now() - t0 < (soakSeconds + 5) * 1000) {
      samples.push([(Date.now() - t0) / 1000, rssMiB(off.pid!)]);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const half = samples.slice(Math.floor(samples.length / 2)); // after warm-up
    const n = half.length;
    const mx = half.reduce((acc, p) => acc + p[0], 0) / n;
    const my = half.reduce((acc, p) => acc + p[1], 0) / n;
    const slope = half.reduce((acc, p) => acc + (p[0] - mx) * (p[1] - my), 0) / half.reduce((acc, p) => acc + (p[0] - mx) ** 2, 0);
    console.log(
      `soak ${soakSeconds}s under wrk -c8: RSS ${samples[0]?.[1].toFixed(1)} → ${samples.at(-1)?.[1].toFixed(1)} MiB; slope over the second half ${(slope * 60).toFixed(2)} MiB/min`,
    );
  }
  await stop(off);
  console.log('\n(note: a shared 2-core machine; wrk, the server and other work compete for the same cores, so figures are noisy)');
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
}
