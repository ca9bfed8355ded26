// Model serving throughput and tail latency against the FastAPI + PyTorch anchor (../shared/anchors), same wrk
// command, same machine, sides alternated A B A B A B so load drift hits both; medians and the min–max of the ratio:
//   1. a model trained elsewhere: the PyTorch CNN exported to ONNX (export_torch_onnx.py), called with the nested
//      NCHW body (predict_nchw.lua), slipway serve vs serve_torch_fastapi.py, wrk -t2 -c16;
//   2. the engine-format CNN (random weights: throughput does not depend on accuracy) with predict_one.lua, the same;
//   3. dynamic batching on vs off at 64 connections, for the engine CNN and for the ONNX model;
//   then the worker-thread hop vs inline prediction, idle RSS and an RSS soak.
// Needs Debian packages (benches only, not CI): apt-get install -y python3-torch python3-fastapi python3-uvicorn wrk
// Run: node --import tsx bench/serve.ts [--seconds 10] [--rounds 3] [--warmup-seconds 3] [--soak-seconds 30] [--onnx FILE.onnx]
import { mnistCnn } from './mnist-cnn.js';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveModel } from '../src/engine/index.js';
import { loadModelRuntime } from '../src/runtime/index.js';
import { alternate, median, ratioLine, sideLine } from './alternate.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const seconds = arg('--seconds', 10);
const rounds = arg('--rounds', 3);
const soakSeconds = arg('--soak-seconds', 30);
const warmupSeconds = arg('--warmup-seconds', 3);
const repo = join(import.meta.dirname, '..');
const anchors = join(repo, '..', 'shared', 'anchors');
const lua = join(anchors, 'predict_one.lua');
const luaNchw = join(anchors, 'predict_nchw.lua');

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

function wrk(url: string, conns: number, secs: number, script = lua): WrkResult {
  const out = execFileSync('wrk', ['-t2', `-c${conns}`, `-d${secs}s`, '--latency', '-s', script, url], { encoding: 'utf8' });
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

/** The server's own process: `slipway serve` re-runs itself in a child with the serving V8 flags (cli/serve-process.ts). */
function serverPid(child: ChildProcess): number {
  const ps = execFileSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' }).trim();
  return ps ? Number(ps.split('\n')[0]) : child.pid!;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1]) / 1024;
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

/** The PyTorch-exported ONNX model: --onnx FILE, else exported once by the anchor script and cached in the temp dir. */
function torchOnnx(): string {
  const i = process.argv.indexOf('--onnx');
  if (i >= 0) return process.argv[i + 1]!;
  const cached = join(tmpdir(), 'slipway-bench-torch-mnist.onnx');
  if (!existsSync(cached)) {
    console.log('exporting the PyTorch CNN to ONNX (export_torch_onnx.py, 1 epoch)…');
    execFileSync('/usr/bin/python3', [join(anchors, 'export_torch_onnx.py'), join(repo, '..', 'shared', 'data', 'mnist'), cached, '1'], {
      stdio: 'inherit',
    });
  }
  return cached;
}

const f = (r: WrkResult): string =>
  `${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms${r.errors ? ` (${r.errors})` : ''}`;

/** Alternates two wrk targets and prints each round, the medians, and the throughput and p99 ratios B/A. */
async function abWrk(
  title: string,
  a: { label: string; url: string },
  b: { label: string; url: string },
  conns: number,
  script: string,
  targets: string,
): Promise<{ rps: number; p99: number }> {
  console.log(`\n${title} — wrk -t2 -c${conns} -d${seconds}s -s ${script.split('/').pop()}, ${Math.max(3, rounds)} rounds A B A B…`);
  const runs = await alternate(
    rounds,
    () => wrk(a.url, conns, seconds, script),
    () => wrk(b.url, conns, seconds, script),
  );
  runs.a.forEach((x, i) => console.log(`  round ${i + 1}: ${a.label}: ${f(x)} | ${b.label}: ${f(runs.b[i]!)}`));
  console.log(
    `  ${sideLine(
      a.label,
      runs.a.map((r) => r.rps),
      'req/s',
    )}, p99 median ${median(runs.a.map((r) => r.p99)).toFixed(2)} ms`,
  );
  console.log(
    `  ${sideLine(
      b.label,
      runs.b.map((r) => r.rps),
      'req/s',
    )}, p99 median ${median(runs.b.map((r) => r.p99)).toFixed(2)} ms`,
  );
  const rps = median(runs.a.map((r, i) => runs.b[i]!.rps / r.rps));
  const p99 = median(runs.a.map((r, i) => runs.b[i]!.p99 / r.p99));
  console.log(
    `  throughput ${b.label}/${a.label} ${ratioLine(
      runs.a.map((r) => r.rps),
      runs.b.map((r) => r.rps),
    )}; p99 ${b.label}/${a.label} ${ratioLine(
      runs.a.map((r) => r.p99),
      runs.b.map((r) => r.p99),
    )} (${targets})`,
  );
  return { rps, p99 };
}

const tmp = mkdtempSync(join(tmpdir(), 'slipway-bench-serve-'));
const children: ChildProcess[] = [];
const start = async (child: ChildProcess, url: string): Promise<ChildProcess> => {
  children.push(child);
  await waitReady(url, child);
  return child;
};
try {
  const modelDir = join(tmp, 'mnist');
  const model = mnistCnn(1);
  await saveModel(model, modelDir);
  const onnxDir = join(tmp, 'torch');
  mkdirSync(onnxDir);
  copyFileSync(torchOnnx(), join(onnxDir, 'model.onnx'));
  cliMain = compiledCli(tmp);
  console.log(`server: node ${cliMain.startsWith(repo) ? cliMain.slice(repo.length + 1) : 'dist (compiled for this run)'} serve`);

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
      `engine runtime ${label.padEnd(6)}: ${seq.toFixed(0)} µs/prediction one at a time, ${conc.toFixed(0)} µs/prediction with ${n} in flight`,
    );
    await rt.close();
  }

  const predict = (port: number, name: string): string => `http://127.0.0.1:${port}/v1/models/${name}:predict`;
  const anchorUrl = predict(18601, 'mnist');
  await start(
    spawn('/usr/bin/python3', [join(anchors, 'serve_torch_fastapi.py'), '18601'], { cwd: anchors, stdio: ['ignore', 'ignore', 'inherit'] }),
    anchorUrl,
  );
  const engineOff = await start(slipway(modelDir, 18501), predict(18501, 'mnist'));
  await start(slipway(modelDir, 18502, ['--batching', '--max-batch-size', '32', '--batch-timeout-ms', '2']), predict(18502, 'mnist'));
  await start(slipway(onnxDir, 18503), predict(18503, 'torch'));
  await start(slipway(onnxDir, 18504, ['--batching', '--max-batch-size', '32', '--batch-timeout-ms', '2']), predict(18504, 'torch'));
  // Idle RSS is read before any load; then every server, the anchor included, gets the same short warm-up (JIT,
  // caches, Python's lazy imports) so no side's first timed round pays for it.
  await new Promise((r) => setTimeout(r, 1000));
  const enginePid = serverPid(engineOff);
  const idleRss = rssMiB(enginePid);
  const warmups: Array<[string, string]> = [
    [anchorUrl, lua],
    [predict(18501, 'mnist'), lua],
    [predict(18502, 'mnist'), lua],
    [predict(18503, 'torch'), luaNchw],
    [predict(18504, 'torch'), luaNchw],
  ];
  for (const [url, script] of warmups) wrk(url, 16, warmupSeconds, script);
  const anchor = { label: 'anchor', url: anchorUrl };

  // 2. A model trained elsewhere (ONNX), then the engine CNN, each against the anchor.
  await abWrk(
    'PyTorch-exported ONNX CNN, nested NCHW body',
    anchor,
    { label: 'slipway', url: predict(18503, 'torch') },
    16,
    luaNchw,
    'targets: ≥ 3×, p99 ≤ 0.5',
  );
  await abWrk(
    'engine-format CNN, flat body',
    anchor,
    { label: 'slipway', url: predict(18501, 'mnist') },
    16,
    lua,
    'targets: ≥ 3×, p99 ≤ 0.5',
  );

  // 3. Batching off vs on at 64 connections.
  const batch = '--batching --max-batch-size 32 --batch-timeout-ms 2';
  await abWrk(
    `batching on (${batch}) vs off, engine CNN`,
    { label: 'off', url: predict(18501, 'mnist') },
    { label: 'on', url: predict(18502, 'mnist') },
    64,
    lua,
    'targets: ≥ 1.5×, p99 ≤ 1',
  );
  await abWrk(
    `batching on vs off, ONNX CNN`,
    { label: 'off', url: predict(18503, 'torch') },
    { label: 'on', url: predict(18504, 'torch') },
    64,
    luaNchw,
    'targets: ≥ 1.5×, p99 ≤ 1',
  );

  // 4. Idle RSS, and RSS under load over a soak (least-squares slope of samples taken every second).
  console.log(`\nidle RSS after start-up and one request (engine CNN server): ${idleRss.toFixed(1)} MiB (target < 150 MiB)`);
  if (soakSeconds > 0) {
    const samples: [number, number][] = [];
    const t0 = Date.now();
    const load = spawn('wrk', ['-t1', '-c8', `-d${soakSeconds}s`, '-s', lua, predict(18501, 'mnist')], { stdio: 'ignore' });
    while (load.exitCode === null && Date.now() - t0 < (soakSeconds + 5) * 1000) {
      samples.push([(Date.now() - t0) / 1000, rssMiB(enginePid)]);
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
  console.log(
    `\nload average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} on ${cpus().length} cores (wrk, the servers and anything else share them)`,
  );
} finally {
  // The servers drain and exit before their compiled package is removed (their last imports come from it).
  await Promise.all(
    children.map((c) =>
      c.exitCode !== null || c.signalCode !== null
        ? undefined
        : new Promise<void>((done) => {
            const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
            c.once('exit', () => {
              clearTimeout(t);
              done();
            });
            c.kill('SIGTERM');
          }),
    ),
  );
  rmSync(tmp, { recursive: true, force: true });
}
