// Kernel benchmark: SGEMM GFLOP/s (square and the MNIST CNN's shapes) and convolution timings, for the native
// backend with 1 and 2 threads (each in its own process, since the pool size is fixed per process) and, for scale,
// the TypeScript reference on one small GEMM. The three sides alternate, 3 rounds (reference, 1 thread, 2 threads,
// reference, …); prints per-round lines, medians with their min–max and the min–max of the per-round ratios
// (2 threads / 1 thread per kernel, native 1 thread / reference). Usage: node --import tsx bench/kernels.ts [--quick]
// [--rounds 3]. Figures are noisy on a shared machine: compare the ratios printed within one run. Single-threaded
// runs also print [per CPU-s] figures (work / process CPU time), which show what one core does while it runs.
import { spawnSync } from 'node:child_process';
import { median, ratioLine } from './alternate.js';
import { fileURLToPath } from 'node:url';
import type { Conv2dGeometry, Kernels } from '../src/engine/kernels/kernels.js';
import { referenceKernels } from '../src/engine/kernels/reference-kernels.js';
import { getKernels, kernelsInfo } from '../src/engine/kernels/select-kernels.js';

const quick = process.argv.includes('--quick');
const roundsArg = process.argv.indexOf('--rounds');
const rounds = Math.max(3, roundsArg >= 0 ? Number(process.argv[roundsArg + 1]) : 3);

function rand(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
}

interface Timed {
  /** Median wall seconds per call. */
  s: number;
  /** Mean process CPU seconds per call. */
  cpu: number;
}

/** Times `fn` after a warm-up, repeating for at least `minS` seconds. */
function time(fn: () => void, minS = quick ? 0.15 : 0.5): Timed {
  fn();
  const samples: number[] = [];
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  while (samples.length < 5 || (performance.now() - start) / 1000 < minS) {
    const t0 = performance.now();
    fn();
    samples.push((performance.now() - t0) / 1000);
    if (samples.length >= 200) break;
  }
  const cpu = process.cpuUsage(cpu0);
  samples.sort((a, b) => a - b);
  return { s: samples[Math.floor(samples.length / 2)]!, cpu: (cpu.user + cpu.system) / 1e6 / samples.length };
}

/** One kernel's figures from one child process: median wall ms per call, GFLOP/s, GFLOP per CPU-second. */
interface Row {
  label: string;
  ms: number;
  gflops: number;
  perCpu: number;
}

function rate(gflop: number, t: Timed): Omit<Row, 'label'> {
  return { ms: t.s * 1e3, gflops: gflop / t.s, perCpu: gflop / t.cpu };
}

function gemm(k: Kernels, m: number, n: number, kk: number, ta = false, tb = false): Omit<Row, 'label'> {
  const a = rand(m * kk),
    b = rand(kk * n),
    c = new Float32Array(m * n);
  return rate(
    (2 * m * n * kk) / 1e9,
    time(() => k.gemm(ta, tb, m, n, kk, a, b, c, false)),
  );
}

function geo(batch: number, inH: number, inC: number, outC: number): Conv2dGeometry {
  const out = inH - 2;
  return { batch, inH, inW: inH, inC, outH: out, outW: out, outC, kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 0, padLeft: 0 };
}

function child(): void {
  const k = getKernels();
  const info = kernelsInfo();
  const rows: Row[] = [];
  const add = (label: string, value: Omit<Row, 'label'>): number => rows.push({ label, ...value });
  for (const s of quick ? [128, 256] : [128, 256, 512, 1024]) add(`sgemm ${s}x${s}x${s}`, gemm(k, s, s, s));
  add('conv2 fwd  [3872x288]·[288x64]', gemm(k, 3872, 64, 288));
  add('conv2 dX   [3872x64]·[64x288]ᵀ', gemm(k, 3872, 288, 64, false, true));
  add('conv2 dW   [3872x288]ᵀ·[3872x64]', gemm(k, 288, 64, 3872, true, false));
  add('conv1 fwd  [21632x9]·[9x32]', gemm(k, 21632, 32, 9));
  add('dense fwd  [32x1600]·[1600x10]', gemm(k, 32, 10, 1600));
  for (const [name, g] of [
    ['conv1 28x28x1->26x26x32 b32', geo(32, 28, 1, 32)],
    ['conv2 13x13x32->11x11x64 b32', geo(32, 13, 32, 64)],
  ] as const) {
    const x = rand(g.batch * g.inH * g.inW * g.inC),
      w = rand(9 * g.inC * g.outC),
      b = rand(g.outC);
    const y = new Float32Array(g.batch * g.outH * g.outW * g.outC),
      dy = rand(y.length);
    const dx = new Float32Array(x.length),
      dw = new Float32Array(w.length),
      db = new Float32Array(g.outC);
    const gflop = (2 * g.batch * g.outH * g.outW * g.outC * 9 * g.inC) / 1e9;
    add(
      `${name} forward`,
      rate(
        gflop,
        time(() => k.conv2dForward(g, x, w, b, 'relu', y)),
      ),
    );
    add(
      `${name} backward input`,
      rate(
        gflop,
        time(() => k.conv2dBackwardInput(g, dy, w, dx)),
      ),
    );
    add(
      `${name} backward filter`,
      rate(
        gflop,
        time(() => k.conv2dBackwardFilter(g, x, dy, dw, db)),
      ),
    );
  }
  console.log(JSON.stringify({ info, rows }));
}

if (process.env.SLIPWAY_BENCH_CHILD === '1') {
  child();
} else {
  const self = fileURLToPath(import.meta.url);
  console.log('Kernel benchmark (noisy on a shared machine; compare figures within one run)');
  const a = rand(128 * 128),
    b = rand(128 * 128),
    c = new Float32Array(128 * 128);
  const reference: number[] = [];
  const native: Record<'1' | '2', { info: ReturnType<typeof kernelsInfo>; rows: Row[] }[]> = { '1': [], '2': [] };
  for (let r = 0; r < rounds; r++) {
    const ref = time(() => referenceKernels.gemm(false, false, 128, 128, 128, a, b, c, false));
    reference.push((2 * 128 ** 3) / ref.s / 1e9);
    for (const threads of ['1', '2'] as const) {
      const out = spawnSync(process.execPath, ['--import', 'tsx', self, ...process.argv.slice(2)], {
        env: { ...process.env, SLIPWAY_BENCH_CHILD: '1', SLIPWAY_THREADS: threads },
        encoding: 'utf8',
      });
      if (out.status !== 0) {
        process.stderr.write(out.stderr);
        throw new Error(`the ${threads}-thread kernel process failed`);
      }
      native[threads].push(JSON.parse(out.stdout.trim().split('\n').at(-1)!) as { info: ReturnType<typeof kernelsInfo>; rows: Row[] });
    }
    const first = (t: '1' | '2'): Row => native[t][r]!.rows[0]!;
    const last = (t: '1' | '2'): Row => native[t][r]!.rows.filter((x) => x.label.startsWith('sgemm')).at(-1)!;
    console.log(
      `round ${r + 1}: reference sgemm 128x128x128 ${reference[r]!.toFixed(2)} GFLOP/s | 1 thread ${first('1').label} ${first('1').gflops.toFixed(1)}, ${last('1').label} ${last('1').gflops.toFixed(1)} GFLOP/s | 2 threads ${first('2').label} ${first('2').gflops.toFixed(1)}, ${last('2').label} ${last('2').gflops.toFixed(1)} GFLOP/s`,
    );
  }
  const range = (xs: number[], digits: number): string =>
    `${median(xs).toFixed(digits)} (min–max ${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
  const column = (t: '1' | '2', i: number, key: 'ms' | 'gflops' | 'perCpu'): number[] => native[t].map((run) => run.rows[i]![key]);
  const ref1 = column('1', 0, 'gflops');
  console.log(`reference (TypeScript) sgemm 128x128x128: median ${range(reference, 2)} GFLOP/s`);
  console.log(`native 1 thread / reference, sgemm 128x128x128: ${ratioLine(reference, ref1, 0)}`);
  const info = native['2'][0]!.info;
  console.log(`kernels: ${info.backend}, simd ${info.simd}; GFLOP/s medians over ${rounds} rounds (min–max); [per CPU-s] single-threaded`);
  native['1'][0]!.rows.forEach((row, i) => {
    const one = column('1', i, 'gflops');
    const two = column('2', i, 'gflops');
    console.log(
      `  ${row.label.padEnd(44)} 1 thread ${median(column('1', i, 'ms')).toFixed(3)} ms, ${range(one, 1)} [${median(column('1', i, 'perCpu')).toFixed(1)} per CPU-s] | 2 threads ${median(column('2', i, 'ms')).toFixed(3)} ms, ${range(two, 1)} | 2/1 ${ratioLine(one, two)}`,
    );
  });
}
