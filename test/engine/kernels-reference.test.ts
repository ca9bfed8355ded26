// The reference kernels are the definition; these tests pin them to hand-worked examples and to identities
// (adjointness of the conv backward passes, 1x1 conv = gemm), so the contract suite compares against truth.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Conv2dGeometry } from '../../src/engine/kernels/kernels.js';
import { referenceKernels as K } from '../../src/engine/kernels/reference-kernels.js';

function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}
const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + v * b[i]!, 0);

test('gemm matches a hand-worked 2x3 · 3x2 product in all transpose modes', () => {
  const a = Float32Array.of(1, 2, 3, 4, 5, 6); // [2,3]
  const b = Float32Array.of(7, 8, 9, 10, 11, 12); // [3,2]
  const want = [58, 64, 139, 154];
  const c = new Float32Array(4);
  K.gemm(false, false, 2, 2, 3, a, b, c, false);
  assert.deepEqual([...c], want);
  const aT = Float32Array.of(1, 4, 2, 5, 3, 6); // stored [3,2]
  const bT = Float32Array.of(7, 9, 11, 8, 10, 12); // stored [2,3]
  K.gemm(true, true, 2, 2, 3, aT, bT, c, false);
  assert.deepEqual([...c], want);
  K.gemm(true, false, 2, 2, 3, aT, b, c, true);
  assert.deepEqual(
    [...c],
    want.map((v) => 2 * v),
  );
});

test('conv2d forward on a hand-worked 3x3 input with a 2x2 kernel, bias and relu', () => {
  const g: Conv2dGeometry = {
    batch: 1,
    inH: 3,
    inW: 3,
    inC: 1,
    outH: 2,
    outW: 2,
    outC: 1,
    kH: 2,
    kW: 2,
    strideH: 1,
    strideW: 1,
    padTop: 0,
    padLeft: 0,
  };
  const x = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9);
  const w = Float32Array.of(1, 0, 0, -1); // [kh,kw,1,1]
  const out = new Float32Array(4);
  K.conv2dForward(g, x, w, Float32Array.of(4.5), 'relu', out);
  assert.deepEqual([...out], [0.5, 0.5, 0.5, 0.5]);
  K.conv2dForward(g, x, w, Float32Array.of(3), 'relu', out);
  assert.deepEqual([...out], [0, 0, 0, 0]);
});

test('a 1x1 convolution is a gemm over the pixels', () => {
  const g: Conv2dGeometry = {
    batch: 2,
    inH: 3,
    inW: 4,
    inC: 5,
    outH: 3,
    outW: 4,
    outC: 6,
    kH: 1,
    kW: 1,
    strideH: 1,
    strideW: 1,
    padTop: 0,
    padLeft: 0,
  };
  const x = rand(2 * 3 * 4 * 5, 1);
  const w = rand(5 * 6, 2);
  const viaConv = new Float32Array(2 * 3 * 4 * 6);
  const viaGemm = new Float32Array(viaConv.length);
  K.conv2dForward(g, x, w, null, 'linear', viaConv);
  K.gemm(false, false, 24, 6, 5, x, w, viaGemm, false);
  for (let i = 0; i < viaConv.length; i++) assert.ok(Math.abs(viaConv[i]! - viaGemm[i]!) < 1e-5);
});

test('conv2d backward passes are the adjoints of the forward pass (same padding, stride 2)', () => {
  const g: Conv2dGeometry = {
    batch: 2,
    inH: 7,
    inW: 6,
    inC: 3,
    outH: 4,
    outW: 3,
    outC: 4,
    kH: 3,
    kW: 3,
    strideH: 2,
    strideW: 2,
    padTop: 1,
    padLeft: 1,
  };
  const x = rand(2 * 7 * 6 * 3, 3);
  const w = rand(3 * 3 * 3 * 4, 4);
  const dy = rand(2 * 4 * 3 * 4, 5);
  const y = new Float32Array(dy.length);
  K.conv2dForward(g, x, w, null, 'linear', y);
  const dx = new Float32Array(x.length);
  K.conv2dBackwardInput(g, dy, w, dx);
  const dw = new Float32Array(w.length);
  const db = new Float32Array(4);
  K.conv2dBackwardFilter(g, x, dy, dw, db);
  const lhs = dot(y, dy);
  assert.ok(Math.abs(lhs - dot(x, dx)) < 1e-4 * Math.abs(lhs) + 1e-4);
  assert.ok(Math.abs(lhs - dot(w, dw)) < 1e-4 * Math.abs(lhs) + 1e-4);
  for (let c = 0; c < 4; c++) {
    let s = 0;
    for (let i = c; i < dy.length; i += 4) s += dy[i]!;
    assert.ok(Math.abs(db[c]! - s) < 1e-5);
  }
});

test('max pooling picks the window maximum, records its flat index and scatters the gradient back', () => {
  const g: Conv2dGeometry = {
    batch: 1,
    inH: 2,
    inW: 4,
    inC: 1,
    outH: 1,
    outW: 2,
    outC: 1,
    kH: 2,
    kW: 2,
    strideH: 2,
    strideW: 2,
    padTop: 0,
    padLeft: 0,
  };
  const x = Float32Array.of(1, 9, 3, 4, 5, 6, 8, 7);
  const out = new Float32Array(2);
  const arg = new Int32Array(2);
  K.maxPool2dForward(g, x, out, arg);
  assert.deepEqual([...out], [9, 8]);
  assert.deepEqual([...arg], [1, 6]);
  const dx = new Float32Array(8).fill(5);
  K.maxPool2dBackward(Float32Array.of(2, 3), arg, dx);
  assert.deepEqual([...dx], [0, 2, 0, 0, 0, 0, 3, 0]);
  const avg = new Float32Array(2);
  K.avgPool2dForward(g, x, avg);
  assert.deepEqual([...avg], [21 / 4, 22 / 4]);
  K.avgPool2dBackward(g, Float32Array.of(4, 8), dx);
  assert.deepEqual([...dx], [1, 1, 2, 2, 1, 1, 2, 2]);
});

test('bias+activation, activation backward and sumRows', () => {
  const x = Float32Array.of(-1, 0.5, 2, -3);
  K.biasActivation(x, Float32Array.of(0.5, -1), 2, 2, 'relu');
  assert.deepEqual([...x], [0, 0, 2.5, 0]);
  const t = Float32Array.of(0);
  K.biasActivation(t, null, 1, 1, 'sigmoid');
  assert.equal(t[0], 0.5);
  const out = new Float32Array(4);
  K.activationBackward(Float32Array.of(1, 1, 1, 1), Float32Array.of(0, 0.5, 2, 0), 'sigmoid', out);
  assert.deepEqual([...out], [0, 0.25, -2, 0]);
  const s = new Float32Array(2);
  K.sumRows(Float32Array.of(1, 2, 3, 4, 5, 6), 3, 2, s);
  assert.deepEqual([...s], [9, 12]);
});

test('adamStep applies one bias-corrected Adam update', () => {
  const p = Float32Array.of(1);
  const m = Float32Array.of(0);
  const v = Float32Array.of(0);
  const lr = 0.1;
  const lrT = (lr * Math.sqrt(1 - 0.999)) / (1 - 0.9);
  K.adamStep(p, Float32Array.of(2), m, v, lrT, 0.9, 0.999, 1e-8);
  assert.ok(Math.abs(m[0]! - 0.2) < 1e-7);
  assert.ok(Math.abs(v[0]! - 0.004) < 1e-7);
  // The first step moves by ≈ lr in the direction opposite to the gradient.
  assert.ok(Math.abs(p[0]! - 0.9) < 1e-5);
});
