// The native backend beyond the shared contract: backend selection, argument checking at the C++ boundary (a
// wrong length must throw, never write out of bounds), loading inside a worker_thread, and thread-count
// independence of results up to rounding.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { isSlipwayError } from '../../src/errors/index.js';
import type { Conv2dGeometry } from '../../src/engine/kernels/kernels.js';
import { loadNativeKernels, nativeAddonPath } from '../../src/engine/kernels/native-kernels.js';
import { referenceKernels } from '../../src/engine/kernels/reference-kernels.js';
import { selectKernels } from '../../src/engine/kernels/select-kernels.js';
import { dense, saveModel, sequential } from '../../src/engine/index.js';
import { kernelSettings } from '../../src/config/index.js';

const native = loadNativeKernels();
const skip = native ? false : 'native kernels are not built on this machine';

test('SLIPWAY_KERNELS and SLIPWAY_THREADS are validated with CONFIG_INVALID', () => {
  assert.deepEqual(kernelSettings({}), { force: undefined, threads: undefined });
  assert.deepEqual(kernelSettings({ SLIPWAY_KERNELS: 'reference', SLIPWAY_THREADS: '3' }), { force: 'reference', threads: 3 });
  assert.throws(
    () => kernelSettings({ SLIPWAY_KERNELS: 'cuda' }),
    (e) => isSlipwayError(e, 'CONFIG_INVALID'),
  );
  assert.throws(
    () => kernelSettings({ SLIPWAY_THREADS: '0' }),
    (e) => isSlipwayError(e, 'CONFIG_INVALID'),
  );
  assert.throws(
    () => kernelSettings({ SLIPWAY_THREADS: 'two' }),
    (e) => isSlipwayError(e, 'CONFIG_INVALID'),
  );
  assert.equal(selectKernels({ force: 'reference' }), referenceKernels);
});

test('selection prefers native when built, and forcing native without the addon fails with NATIVE_FAILED', () => {
  const chosen = selectKernels({});
  assert.equal(chosen.name, nativeAddonPath() ? 'native' : 'reference');
  if (!nativeAddonPath())
    assert.throws(
      () => selectKernels({ force: 'native' }),
      (e) => isSlipwayError(e, 'NATIVE_FAILED'),
    );
});

test('kernelsInfo reports the backend chosen from the environment', () => {
  const script = `import { kernelsInfo } from './src/engine/kernels/select-kernels.ts'; console.log(JSON.stringify(kernelsInfo()));`;
  const run = (env: Record<string, string>): { backend: string; threads: number; simd: string } => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim()) as { backend: string; threads: number; simd: string };
  };
  assert.deepEqual(run({ SLIPWAY_KERNELS: 'reference' }), { backend: 'reference', threads: 1, simd: 'none' });
  if (native) {
    const info = run({ SLIPWAY_KERNELS: 'native', SLIPWAY_THREADS: '3' });
    assert.equal(info.backend, 'native');
    assert.equal(info.threads, 3);
    assert.ok(['avx512', 'avx2', 'none'].includes(info.simd));
  }
});

test('a model server sizes the pool to one thread unless SLIPWAY_THREADS says otherwise', { skip }, async () => {
  // The engine runtime's kernelThreads option (SERVING_DEFAULTS.kernelThreads = 1), in the worker that predicts.
  const script = `import { loadModelRuntime } from './src/runtime/index.ts'; import { kernelsInfo } from './src/engine/index.ts';
const rt = await loadModelRuntime(process.argv[1], { kernelThreads: 1, inlineMaxWeightBytes: 1e9 });
const threads = kernelsInfo().threads; await rt.close(); console.log(JSON.stringify({ threads }));`;
  const run = async (env: Record<string, string>): Promise<number> => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-kthreads-'));
    try {
      await saveModel(sequential([dense({ units: 2, inputShape: [3] })]), join(dir, 'm'));
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, join(dir, 'm')], {
        env: { ...process.env, SLIPWAY_THREADS: '', ...env },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      return (JSON.parse(r.stdout.trim()) as { threads: number }).threads;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  assert.equal(await run({}), 1);
  assert.equal(await run({ SLIPWAY_THREADS: '2' }), 2);
});

test('wrong buffer lengths and bad arguments throw instead of touching memory', { skip }, () => {
  const k = native!;
  const a = new Float32Array(12);
  assert.throws(() => k.gemm(false, false, 3, 4, 4, a, new Float32Array(16), new Float32Array(11), false), RangeError);
  assert.throws(() => k.gemm(false, false, 3, 4, 5, a, new Float32Array(20), new Float32Array(12), false), RangeError);
  assert.throws(() => k.gemm(false, false, 3, 4, 4, new Float64Array(12) as unknown as Float32Array, a, a, false), TypeError);
  assert.throws(() => k.gemm(false, false, -1, 4, 4, a, a, a, false), RangeError);
  const g: Conv2dGeometry = {
    batch: 1,
    inH: 4,
    inW: 4,
    inC: 1,
    outH: 2,
    outW: 2,
    outC: 2,
    kH: 3,
    kW: 3,
    strideH: 1,
    strideW: 1,
    padTop: 0,
    padLeft: 0,
  };
  assert.throws(() => k.conv2dForward(g, new Float32Array(15), new Float32Array(18), null, 'relu', new Float32Array(8)), RangeError);
  assert.throws(
    () => k.conv2dForward(g, new Float32Array(16), new Float32Array(18), new Float32Array(1), 'relu', new Float32Array(8)),
    RangeError,
  );
  assert.throws(() => k.conv2dBackwardFilter(g, new Float32Array(16), new Float32Array(8), new Float32Array(17), null), RangeError);
  assert.throws(
    () => k.conv2dForward({ ...g, strideH: 0 }, new Float32Array(16), new Float32Array(18), null, 'relu', new Float32Array(8)),
    RangeError,
  );
  const pool: Conv2dGeometry = { ...g, outC: 1, kH: 2, kW: 2, strideH: 2, strideW: 2, outH: 3, outW: 2 };
  assert.throws(() => k.maxPool2dForward(pool, new Float32Array(16), new Float32Array(6), new Int32Array(6)), RangeError);
  assert.throws(
    () => k.maxPool2dForward({ ...pool, kH: 0, outH: 2 }, new Float32Array(16), new Float32Array(4), new Int32Array(4)),
    RangeError,
  );
  assert.throws(() => k.maxPool2dBackward(new Float32Array(2), Int32Array.of(0, 99), new Float32Array(16)), RangeError);
  assert.throws(
    () => k.adamStep(new Float32Array(4), new Float32Array(3), new Float32Array(4), new Float32Array(4), 0.1, 0.9, 0.999, 1e-7),
    RangeError,
  );
});

test('the addon loads and computes inside a worker_thread (training runs there)', { skip }, async () => {
  const src = `
    const { parentPort } = require('node:worker_threads');
    const addon = require(${JSON.stringify(nativeAddonPath())});
    addon.init(0);
    const a = Float32Array.of(1, 2, 3, 4), c = new Float32Array(4);
    addon.gemm(false, false, 2, 2, 2, a, a, c, false);
    parentPort.postMessage(Array.from(c));`;
  const w = new Worker(src, { eval: true });
  const result = await new Promise<number[]>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  await w.terminate();
  assert.deepEqual(result, [7, 10, 15, 22]);
});

test('results do not depend on the thread count (fixed reduction split)', { skip }, () => {
  // Each child computes the same GEMM and conv backward-filter (a reduction over the batch) and prints them.
  const script = `
    import { loadNativeKernels } from './src/engine/kernels/native-kernels.ts';
    const k = loadNativeKernels({ threads: Number(process.env.T) });
    const g = { batch: 8, inH: 13, inW: 13, inC: 32, outH: 11, outW: 11, outC: 64, kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 0, padLeft: 0 };
    let s = 7; const r = (n) => Float32Array.from({ length: n }, () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5));
    const dw = new Float32Array(9 * 32 * 64);
    k.conv2dBackwardFilter(g, r(8 * 13 * 13 * 32), r(8 * 121 * 64), dw, null);
    const c = new Float32Array(300 * 70);
    k.gemm(false, true, 300, 70, 129, r(300 * 129), r(70 * 129), c, false);
    process.stdout.write(JSON.stringify({ threads: k.threads, dw: Array.from(dw), c: Array.from(c) }));`;
  const run = (t: number): { threads: number; dw: number[]; c: number[] } => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, T: String(t) },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { threads: number; dw: number[]; c: number[] };
  };
  const one = run(1),
    three = run(3);
  assert.equal(one.threads, 1);
  assert.equal(three.threads, 3);
  assert.ok(one.dw.some((v) => v !== 0));
  assert.deepEqual(three.dw, one.dw);
  assert.deepEqual(three.c, one.c);
});

test('gemm of one to four rows (read in place, no packing) equals those rows computed in a larger batch, bit for bit', { skip }, () => {
  const k = native!;
  const rand = (n: number, seed: number): Float32Array => {
    const a = new Float32Array(n);
    let s = seed;
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      a[i] = (s / 2 ** 32) * 2 - 1;
    }
    return a;
  };
  // A dense layer's shapes (K = 1600, N = 10), an odd width, a K cut into several blocks, and accumulation into C.
  for (const [K, N] of [
    [1600, 10],
    [9, 32],
    [1000, 70],
    [5, 3],
  ] as const) {
    const a = rand(8 * K, K);
    const b = rand(K * N, N);
    for (const acc of [false, true]) {
      const big = rand(8 * N, 7);
      k.gemm(false, false, 8, N, K, a, b, big, acc);
      for (const m of [1, 2, 3, 4]) {
        const c = rand(m * N, 7);
        k.gemm(false, false, m, N, K, a.subarray(0, m * K), b, c, acc);
        assert.deepEqual(Array.from(c), Array.from(big.subarray(0, m * N)), `K=${K} N=${N} m=${m} accumulate=${acc}`);
      }
    }
  }
});
