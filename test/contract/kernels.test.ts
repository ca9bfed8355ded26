// One contract for every kernel backend: the reference always, the native addon (at each SIMD level this CPU has)
// when it is built. Each backend is compared with the reference on random shapes (odd sizes, transposes, 'same'
// padding, stride 2) and checked against backend-independent identities, so the reference is tested too.
//
// Tolerance. Float32 sums of k products carry a forward error of at most γ_k·(|A|·|B|)_ij with γ_k ≈ k·2^-24
// (≈ 6.1e-5 for k = 1024); blocked/FMA summation usually does far better. So GEMM and convolution results are
// checked element-wise as |c − c_ref| ≤ 1e-4 · (|A|·|B|)_ij + 1e-6 — a relative error measured against the
// magnitude of the terms summed, which stays meaningful where the result itself cancels to ~0. Pooling is exact;
// element-wise ops allow 2e-6 relative (expf vs Math.exp, float32 vs float64 arithmetic).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Activation, Conv2dGeometry, Kernels } from '../../src/engine/kernels/kernels.js';
import { loadNativeKernels, nativeSimd, setNativeSimd } from '../../src/engine/kernels/native-kernels.js';
import { referenceKernels as R } from '../../src/engine/kernels/reference-kernels.js';

function rand(n: number, seed: number, scale = 1): Float32Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}
const abs = (a: Float32Array): Float32Array => a.map(Math.abs);

function assertClose(got: Float32Array, want: Float32Array, scale: Float32Array | null, rel: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const bound = rel * (scale ? scale[i]! : Math.abs(want[i]!)) + 1e-6;
    const err = Math.abs(got[i]! - want[i]!);
    if (!(err <= bound)) assert.fail(`${what}: element ${i} is ${got[i]} but the reference gives ${want[i]} (error ${err} > ${bound})`);
  }
}

/** 'same'/'valid' geometry the way the engine computes it (TensorFlow's rule: extra padding goes bottom/right). */
function geometry(
  batch: number,
  inH: number,
  inW: number,
  inC: number,
  outC: number,
  kH: number,
  kW: number,
  stride: number,
  same: boolean,
): Conv2dGeometry {
  const outH = same ? Math.ceil(inH / stride) : Math.floor((inH - kH) / stride) + 1;
  const outW = same ? Math.ceil(inW / stride) : Math.floor((inW - kW) / stride) + 1;
  const padTop = same ? Math.floor(Math.max((outH - 1) * stride + kH - inH, 0) / 2) : 0;
  const padLeft = same ? Math.floor(Math.max((outW - 1) * stride + kW - inW, 0) / 2) : 0;
  return { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH: stride, strideW: stride, padTop, padLeft };
}
const inSize = (g: Conv2dGeometry): number => g.batch * g.inH * g.inW * g.inC;
const outSize = (g: Conv2dGeometry, c = g.outC): number => g.batch * g.outH * g.outW * c;

const backends: { label: string; kernels: Kernels; simd?: 'avx512' | 'avx2' | 'none' }[] = [{ label: 'reference', kernels: R }];
const native = loadNativeKernels();
if (native) {
  const best = nativeSimd();
  for (const level of ['avx512', 'avx2', 'none'] as const) {
    if (level === 'avx512' && best !== 'avx512') continue;
    if (level === 'avx2' && best === 'none') continue;
    backends.push({ label: `native (${level}, ${native.threads} threads)`, kernels: native, simd: level });
  }
}

const GEMM_SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [7, 13, 5],
  [33, 17, 65],
  [64, 64, 64],
  [129, 65, 300],
  [5, 200, 1024],
  [300, 3, 17],
  [200, 96, 288],
  [2, 300, 9],
  [45, 32, 70],
  [10, 16, 33],
];
const CONV_CASES: [string, Conv2dGeometry][] = [
  ['MNIST conv1 28x28x1 -> 26x26x32', geometry(2, 28, 28, 1, 32, 3, 3, 1, false)],
  ['MNIST conv2 13x13x32 -> 11x11x64', geometry(3, 13, 13, 32, 64, 3, 3, 1, false)],
  ['same padding 9x7x3 -> 9x7x5', geometry(2, 9, 7, 3, 5, 3, 3, 1, true)],
  ['same padding, stride 2, 8x7x4 -> 4x4x6', geometry(3, 8, 7, 4, 6, 3, 3, 2, true)],
  ['valid 5x5, stride 2, odd batch', geometry(5, 11, 12, 2, 7, 5, 5, 2, false)],
  ['wide patches (K >= 64) with same padding, stride 2', geometry(2, 10, 9, 8, 16, 3, 3, 2, true)],
  ['narrow patches, 16 filters', geometry(2, 8, 8, 2, 16, 3, 3, 1, false)],
  ['1x1 convolution', geometry(2, 5, 6, 9, 11, 1, 1, 1, false)],
  ['rectangular 2x3 kernel, same padding', { ...geometry(1, 6, 9, 3, 4, 2, 3, 1, true), padTop: 0, padLeft: 1 }],
];
const ACTS: Activation[] = ['linear', 'relu', 'sigmoid', 'tanh'];

for (const backend of backends) {
  const K = backend.kernels;
  describe(`kernels contract: ${backend.label}`, { concurrency: false }, () => {
    test('setup', () => {
      if (backend.simd) assert.equal(setNativeSimd(backend.simd), backend.simd);
    });

    test('gemm matches the reference for every transpose mode, with and without accumulation', () => {
      let seed = 1;
      for (const [m, n, k] of GEMM_SHAPES)
        for (const ta of [false, true])
          for (const tb of [false, true]) {
            const a = rand(m * k, seed++);
            const b = rand(k * n, seed++);
            const c0 = rand(m * n, seed++);
            const accumulate = (m + n + k + (ta ? 1 : 0) + (tb ? 2 : 0)) % 2 === 0;
            const want = c0.slice();
            R.gemm(ta, tb, m, n, k, a, b, want, accumulate);
            const got = c0.slice();
            K.gemm(ta, tb, m, n, k, a, b, got, accumulate);
            const scale = accumulate ? abs(c0) : new Float32Array(m * n);
            R.gemm(ta, tb, m, n, k, abs(a), abs(b), scale, true);
            assertClose(got, want, scale, 1e-4, `gemm ${m}x${n}x${k} ta=${ta} tb=${tb} acc=${accumulate}`);
          }
    });

    test('gemm with k = 0 writes zeros (or leaves C when accumulating)', () => {
      const c = Float32Array.of(1, 2, 3, 4);
      K.gemm(false, false, 2, 2, 0, new Float32Array(0), new Float32Array(0), c, true);
      assert.deepEqual([...c], [1, 2, 3, 4]);
      K.gemm(false, false, 2, 2, 0, new Float32Array(0), new Float32Array(0), c, false);
      assert.deepEqual([...c], [0, 0, 0, 0]);
    });

    for (const [name, g] of CONV_CASES) {
      test(`conv2d forward and both backward passes: ${name}`, () => {
        const KK = g.kH * g.kW * g.inC;
        const x = rand(inSize(g), 11);
        const w = rand(KK * g.outC, 12, 1 / Math.sqrt(KK));
        const bias = rand(g.outC, 13);
        const dy = rand(outSize(g), 14);
        for (const act of ['linear', 'relu'] as Activation[]) {
          const want = new Float32Array(outSize(g));
          R.conv2dForward(g, x, w, bias, act, want);
          const got = new Float32Array(outSize(g)).fill(Number.NaN);
          K.conv2dForward(g, x, w, bias, act, got);
          const scale = new Float32Array(outSize(g));
          R.conv2dForward(g, abs(x), abs(w), abs(bias), 'linear', scale);
          assertClose(got, want, scale, 1e-4, `conv forward (${act})`);
        }
        const noBias = new Float32Array(outSize(g));
        K.conv2dForward(g, x, w, null, 'linear', noBias);
        const noBiasRef = new Float32Array(outSize(g));
        R.conv2dForward(g, x, w, null, 'linear', noBiasRef);
        const fwdScale = new Float32Array(outSize(g));
        R.conv2dForward(g, abs(x), abs(w), null, 'linear', fwdScale);
        assertClose(noBias, noBiasRef, fwdScale, 1e-4, 'conv forward without bias');

        const dxWant = new Float32Array(inSize(g));
        R.conv2dBackwardInput(g, dy, w, dxWant);
        const dx = new Float32Array(inSize(g)).fill(Number.NaN);
        K.conv2dBackwardInput(g, dy, w, dx);
        const dxScale = new Float32Array(inSize(g));
        R.conv2dBackwardInput(g, abs(dy), abs(w), dxScale);
        assertClose(dx, dxWant, dxScale, 1e-4, 'conv backward input');

        const dwWant = new Float32Array(w.length);
        const dbWant = new Float32Array(g.outC);
        R.conv2dBackwardFilter(g, x, dy, dwWant, dbWant);
        const dw = new Float32Array(w.length).fill(Number.NaN);
        const db = new Float32Array(g.outC).fill(Number.NaN);
        K.conv2dBackwardFilter(g, x, dy, dw, db);
        const dwScale = new Float32Array(w.length);
        const dbScale = new Float32Array(g.outC);
        R.conv2dBackwardFilter(g, abs(x), abs(dy), dwScale, dbScale);
        assertClose(dw, dwWant, dwScale, 1e-4, 'conv backward filter');
        assertClose(db, dbWant, dbScale, 1e-4, 'conv backward bias');
        K.conv2dBackwardFilter(g, x, dy, dw, null);
        assertClose(dw, dwWant, dwScale, 1e-4, 'conv backward filter without bias');

        // Adjointness: <conv(x), dy> = <x, dx> = <w, dw>, whatever the backend.
        let lhs = 0,
          rx = 0,
          rw = 0,
          mag = 0;
        for (let i = 0; i < dy.length; i++) ((lhs += noBias[i]! * dy[i]!), (mag += Math.abs(noBias[i]! * dy[i]!)));
        for (let i = 0; i < x.length; i++) rx += x[i]! * dx[i]!;
        for (let i = 0; i < w.length; i++) rw += w[i]! * dw[i]!;
        assert.ok(Math.abs(lhs - rx) <= 1e-4 * mag + 1e-5, `<conv(x), dy> = ${lhs} but <x, dx> = ${rx}`);
        assert.ok(Math.abs(lhs - rw) <= 1e-4 * mag + 1e-5, `<conv(x), dy> = ${lhs} but <w, dw> = ${rw}`);
      });
    }

    test('max and average pooling (2x2/2 on the CNN shape, 3x3/2 overlapping, odd input) match exactly', () => {
      const cases = [
        geometry(2, 26, 26, 32, 32, 2, 2, 2, false),
        geometry(3, 9, 9, 3, 3, 3, 3, 2, false),
        geometry(1, 5, 5, 2, 2, 2, 2, 2, false),
      ];
      for (const [i, g] of cases.entries()) {
        const x = rand(inSize(g), 20 + i);
        // Ties (as after a relu) must resolve the same way everywhere: the first maximum of the window wins.
        for (let j = 0; j < x.length; j += 3) x[j] = 0;
        for (let j = 0; j < x.length; j++) x[j] = Math.max(0, x[j]!);
        const outWant = new Float32Array(outSize(g));
        const argWant = new Int32Array(outSize(g));
        R.maxPool2dForward(g, x, outWant, argWant);
        const out = new Float32Array(outSize(g));
        const arg = new Int32Array(outSize(g));
        K.maxPool2dForward(g, x, out, arg);
        assert.deepEqual(out, outWant);
        assert.deepEqual(arg, argWant);
        const dy = rand(outSize(g), 30 + i);
        const dxWant = new Float32Array(inSize(g));
        R.maxPool2dBackward(dy, argWant, dxWant);
        const dx = rand(inSize(g), 40 + i);
        K.maxPool2dBackward(dy, arg, dx);
        assertClose(dx, dxWant, null, 1e-6, 'max pool backward');

        const avgWant = new Float32Array(outSize(g));
        R.avgPool2dForward(g, x, avgWant);
        const avg = new Float32Array(outSize(g));
        K.avgPool2dForward(g, x, avg);
        assertClose(avg, avgWant, null, 2e-6, 'avg pool forward');
        const davgWant = new Float32Array(inSize(g));
        R.avgPool2dBackward(g, dy, davgWant);
        const davg = rand(inSize(g), 50 + i);
        K.avgPool2dBackward(g, dy, davg);
        assertClose(
          davg,
          davgWant,
          abs(davgWant).map((v) => v + 1e-3),
          2e-6,
          'avg pool backward',
        );
      }
    });

    test('bias + activation, activation backward (also in place) and sumRows', () => {
      const rows = 37,
        cols = 19;
      for (const act of ACTS) {
        for (const withBias of [true, false]) {
          const x = rand(rows * cols, 60, 4);
          const bias = withBias ? rand(cols, 61) : null;
          const want = x.slice();
          R.biasActivation(want, bias, rows, cols, act);
          const got = x.slice();
          K.biasActivation(got, bias, rows, cols, act);
          assertClose(
            got,
            want,
            abs(want).map((v) => v + 1),
            2e-6,
            `biasActivation ${act} bias=${withBias}`,
          );
        }
        const y = new Float32Array(rows * cols);
        y.set(rand(rows * cols, 62, 3));
        R.biasActivation(y, null, rows, cols, act);
        const dy = rand(rows * cols, 63);
        const want = new Float32Array(dy.length);
        R.activationBackward(dy, y, act, want);
        const got = new Float32Array(dy.length);
        K.activationBackward(dy, y, act, got);
        assertClose(
          got,
          want,
          abs(want).map((v) => v + 1e-3),
          2e-6,
          `activationBackward ${act}`,
        );
        const inPlace = dy.slice();
        K.activationBackward(inPlace, y, act, inPlace);
        assertClose(
          inPlace,
          want,
          abs(want).map((v) => v + 1e-3),
          2e-6,
          `activationBackward ${act} in place`,
        );
      }
      for (const [r, c] of [
        [1, 1],
        [1000, 10],
        [7, 129],
      ] as const) {
        const x = rand(r * c, 64);
        const want = new Float32Array(c);
        R.sumRows(x, r, c, want);
        const got = new Float32Array(c).fill(Number.NaN);
        K.sumRows(x, r, c, got);
        assertClose(got, want, null, 1e-5, `sumRows ${r}x${c}`);
      }
    });

    test('large element-wise calls (split across threads) match the reference', () => {
      const rows = 4001,
        cols = 33;
      for (const act of ['relu', 'tanh'] as Activation[]) {
        const x = rand(rows * cols, 80, 3);
        const bias = rand(cols, 81);
        const want = x.slice();
        R.biasActivation(want, bias, rows, cols, act);
        const got = x.slice();
        K.biasActivation(got, bias, rows, cols, act);
        assertClose(
          got,
          want,
          abs(want).map((v) => v + 1),
          2e-6,
          `biasActivation ${act} ${rows}x${cols}`,
        );
        const dy = rand(rows * cols, 82);
        const dWant = new Float32Array(dy.length);
        R.activationBackward(dy, want, act, dWant);
        const d = new Float32Array(dy.length);
        K.activationBackward(dy, want, act, d);
        assertClose(
          d,
          dWant,
          abs(dWant).map((v) => v + 1e-3),
          2e-6,
          `activationBackward ${act} ${dy.length}`,
        );
      }
    });

    test('adamStep matches the reference over several steps', () => {
      const n = 1001;
      const pWant = rand(n, 70),
        mWant = new Float32Array(n),
        vWant = new Float32Array(n);
      const p = pWant.slice(),
        m = new Float32Array(n),
        v = new Float32Array(n);
      for (let t = 1; t <= 5; t++) {
        const g = rand(n, 70 + t, 0.1);
        const lrT = (1e-3 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
        R.adamStep(pWant, g, mWant, vWant, lrT, 0.9, 0.999, 1e-7);
        K.adamStep(p, g, m, v, lrT, 0.9, 0.999, 1e-7);
      }
      assertClose(
        p,
        pWant,
        abs(pWant).map((x) => x + 1e-3),
        1e-5,
        'adam p',
      );
      assertClose(
        m,
        mWant,
        abs(mWant).map((x) => x + 1e-3),
        1e-5,
        'adam m',
      );
      assertClose(
        v,
        vWant,
        abs(vWant).map((x) => x + 1e-6),
        1e-5,
        'adam v',
      );
    });

    test('teardown', () => {
      if (backend.simd) setNativeSimd('avx512');
    });
  });
}
