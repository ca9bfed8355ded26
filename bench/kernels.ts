// Kernel benchmark: SGEMM GFLOP/s (square and the MNIST CNN's shapes) and convolution timings, for the native
// backend with 1 and 2 threads (each in its own process, since the pool size is fixed per process) and, for scale,
// the TypeScript reference on one small GEMM. Usage: node --import tsx bench/kernels.ts [--quick]
// Figures are noisy on a shared machine: compare the ratios printed within one run.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Conv2dGeometry, Kernels } from '../src/engine/kernels/kernels.js';
import { referenceKernels } from '../src/engine/kernels/reference-kernels.js';
import { getKernels, kernelsInfo } from '../src/engine/kernels/select-kernels.js';

const quick = process.argv.includes('--quick');

function rand(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
}

/** Median seconds of `fn` over repeats, after a warm-up, running at least `minS` in total. */
function time(fn: () => void, minS = quick ? 0.15 : 0.5): number {
  fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < 5 || (performance.now() - start) / 1000 < minS) {
    const t0 = performance.now();
    fn();
    samples.push((performance.now() - t0) / 1000);
    if (samples.length >= 200) break;
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

function gemmRate(k: Kernels, m: number, n: number, kk: number, ta = false, tb = false): number {
  const a = rand(m * kk),
    b = rand(kk * n),
    c = new Float32Array(m * n);
  const s = time(() => k.gemm(ta, tb, m, n, kk, a, b, c, false));
  return (2 * m * n * kk) / s / 1e9;
}

function geo(batch: number, inH: number, inC: number, outC: number): Conv2dGeometry {
  const out = inH - 2;
  return { batch, inH, inW: inH, inC, outH: out, outW: out, outC, kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 0, padLeft: 0 };
}

function convTimes(k: Kernels, g: Conv2dGeometry): { fwd: number; bwdIn: number; bwdW: number; gflop: number } {
  const x = rand(g.batch * g.inH * g.inW * g.inC),
    w = rand(9 * g.inC * g.outC),
    b = rand(g.outC);
  const y = new Float32Array(g.batch * g.outH * g.outW * g.outC),
    dy = rand(y.length);
  const dx = new Float32Array(x.length),
    dw = new Float32Array(w.length),
    db = new Float32Array(g.outC);
  return {
    fwd: time(() => k.conv2dForward(g, x, w, b, 'relu', y)),
    bwdIn: time(() => k.conv2dBackwardInput(g, dy, w, dx)),
    bwdW: time(() => k.conv2dBackwardFilter(g, x, dy, dw, db)),
    gflop: (2 * g.batch * g.outH * g.outW * g.outC * 9 * g.inC) / 1e9,
  };
}

function child(): void {
  const k = getKernels();
  const info = kernelsInfo();
  const rows: string[] = [];
  const add = (label: string, value: string): number => rows.push(`${label.padEnd(44)} ${value}`);
  for (const s of quick ? [256] : [128, 256, 512, 1024]) add(`sgemm ${s}x${s}x${s}`, `${gemmRate(k, s, s, s).toFixed(1)} GFLOP/s`);
  add('conv2 fwd  [3872x288]·[288x64]', `${gemmRate(k, 3872, 64, 288).toFixed(1)} GFLOP/s`);
  add('conv2 dX   [3872x64]·[64x288]ᵀ', `${gemmRate(k, 3872, 288, 64, false, true).toFixed(1)} GFLOP/s`);
  add('conv2 dW   [3872x288]ᵀ·[3872x64]', `${gemmRate(k, 288, 64, 3872, true, false).toFixed(1)} GFLOP/s`);
  add('conv1 fwd  [21632x9]·[9x32]', `${gemmRate(k, 21632, 32, 9).toFixed(1)} GFLOP/s`);
  add('dense fwd  [32x1600]·[1600x10]', `${gemmRate(k, 32, 10, 1600).toFixed(1)} GFLOP/s`);
  for (const [name, g] of [
    ['conv1 28x28x1->26x26x32, batch 32', geo(32, 28, 1, 32)],
    ['conv2 13x13x32->11x11x64, batch 32', geo(32, 13, 32, 64)],
  ] as const) {
    const t = convTimes(k, g);
    const f = (s: number): string => `${(s * 1e3).toFixed(3)} ms (${(t.gflop / s).toFixed(1)} GFLOP/s)`;
    add(`${name} forward`, f(t.fwd));
    add(`${name} backward input`, f(t.bwdIn));
    add(`${name} backward filter`, f(t.bwdW));
  }
  console.log(`kernels: ${info.backend}, ${info.threads} thread(s), simd ${info.simd}`);
  for (const r of rows) console.log(`  ${r}`);
}

if (process.env.SLIPWAY_BENCH_CHILD === '1') {
  child();
} else {
  const self = fileURLToPath(import.meta.url);
  console.log('Kernel benchmark (noisy on a shared machine; compare figures within one run)');
  const ref = gemmRate(referenceKernels, 128, 128, 128);
  console.log(`reference (TypeScript) sgemm 128x128x128: ${ref.toFixed(2)} GFLOP/s`);
  for (const threads of ['1', '2']) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', self, ...process.argv.slice(2)], {
      env: { ...process.env, SLIPWAY_BENCH_CHILD: '1', SLIPWAY_THREADS: threads },
      encoding: 'utf8',
    });
    process.stdout.write(r.stdout);
    if (r.status !== 0) process.stderr.write(r.stderr);
  }
}
