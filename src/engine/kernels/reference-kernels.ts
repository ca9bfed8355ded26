/**
 * The TypeScript reference kernels: the definition of every op in `Kernels`, written as plain loops so they are
 * obviously correct, and the fallback backend where the native addon could not be built. Accumulations are in
 * float64 (JS numbers) and rounded to float32 when stored, which makes this the most accurate backend too.
 */
import type { Activation, Conv2dGeometry, Kernels } from './kernels.js';

/** act(v) for one value. */
export function applyActivation(v: number, act: Activation): number {
  switch (act) {
    case 'linear':
      return v;
    case 'relu':
      return v > 0 ? v : 0;
    case 'sigmoid':
      return 1 / (1 + Math.exp(-v));
    case 'tanh':
      return Math.tanh(v);
  }
}

/** act'(pre) expressed through the activation's output y (what the backward pass keeps). */
export function activationDerivative(y: number, act: Activation): number {
  switch (act) {
    case 'linear':
      return 1;
    case 'relu':
      return y > 0 ? 1 : 0;
    case 'sigmoid':
      return y * (1 - y);
    case 'tanh':
      return 1 - y * y;
  }
}

function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  accumulate: boolean,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = accumulate ? c[i * n + j]! : 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[p * m + i]! : a[i * k + p]!;
        const bv = transB ? b[j * k + p]! : b[p * n + j]!;
        s += av * bv;
      }
      c[i * n + j] = s;
    }
  }
}

function biasActivation(x: Float32Array, bias: Float32Array | null, rows: number, cols: number, act: Activation): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      x[i] = applyActivation(x[i]! + (bias ? bias[c]! : 0), act);
    }
  }
}

function activationBackward(dy: Float32Array, y: Float32Array, act: Activation, out: Float32Array): void {
  for (let i = 0; i < dy.length; i++) out[i] = dy[i]! * activationDerivative(y[i]!, act);
}

function sumRows(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += x[r * cols + c]!;
    out[c] = s;
  }
}

/** Input row/column read by output position o and window offset k, or -1 when it falls into the padding. */
function inputIndex(o: number, stride: number, k: number, pad: number, size: number): number {
  const i = o * stride + k - pad;
  return i >= 0 && i < size ? i : -1;
}

function conv2dForward(
  g: Conv2dGeometry,
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  act: Activation,
  out: Float32Array,
): void {
  for (let n = 0; n < g.batch; n++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++)
        for (let oc = 0; oc < g.outC; oc++) {
          let s = bias ? bias[oc]! : 0;
          for (let kh = 0; kh < g.kH; kh++) {
            const ih = inputIndex(oh, g.strideH, kh, g.padTop, g.inH);
            if (ih < 0) continue;
            for (let kw = 0; kw < g.kW; kw++) {
              const iw = inputIndex(ow, g.strideW, kw, g.padLeft, g.inW);
              if (iw < 0) continue;
              for (let ic = 0; ic < g.inC; ic++) {
                s += x[((n * g.inH + ih) * g.inW + iw) * g.inC + ic]! * w[((kh * g.kW + kw) * g.inC + ic) * g.outC + oc]!;
              }
            }
          }
          out[((n * g.outH + oh) * g.outW + ow) * g.outC + oc] = applyActivation(s, act);
        }
}

function conv2dBackwardInput(g: Conv2dGeometry, dy: Float32Array, w: Float32Array, dx: Float32Array): void {
  const acc = new Float64Array(g.batch * g.inH * g.inW * g.inC);
  for (let n = 0; n < g.batch; n++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++)
        for (let oc = 0; oc < g.outC; oc++) {
          const d = dy[((n * g.outH + oh) * g.outW + ow) * g.outC + oc]!;
          for (let kh = 0; kh < g.kH; kh++) {
            const ih = inputIndex(oh, g.strideH, kh, g.padTop, g.inH);
            if (ih < 0) continue;
            for (let kw = 0; kw < g.kW; kw++) {
              const iw = inputIndex(ow, g.strideW, kw, g.padLeft, g.inW);
              if (iw < 0) continue;
              for (let ic = 0; ic < g.inC; ic++) {
                acc[((n * g.inH + ih) * g.inW + iw) * g.inC + ic]! += d * w[((kh * g.kW + kw) * g.inC + ic) * g.outC + oc]!;
              }
            }
          }
        }
  for (let i = 0; i < acc.length; i++) dx[i] = acc[i]!;
}

function conv2dBackwardFilter(g: Conv2dGeometry, x: Float32Array, dy: Float32Array, dw: Float32Array, db: Float32Array | null): void {
  const acc = new Float64Array(g.kH * g.kW * g.inC * g.outC);
  const accB = new Float64Array(g.outC);
  for (let n = 0; n < g.batch; n++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++)
        for (let oc = 0; oc < g.outC; oc++) {
          const d = dy[((n * g.outH + oh) * g.outW + ow) * g.outC + oc]!;
          accB[oc]! += d;
          for (let kh = 0; kh < g.kH; kh++) {
            const ih = inputIndex(oh, g.strideH, kh, g.padTop, g.inH);
            if (ih < 0) continue;
            for (let kw = 0; kw < g.kW; kw++) {
              const iw = inputIndex(ow, g.strideW, kw, g.padLeft, g.inW);
              if (iw < 0) continue;
              for (let ic = 0; ic < g.inC; ic++) {
                acc[((kh * g.kW + kw) * g.inC + ic) * g.outC + oc]! += d * x[((n * g.inH + ih) * g.inW + iw) * g.inC + ic]!;
              }
            }
          }
        }
  for (let i = 0; i < acc.length; i++) dw[i] = acc[i]!;
  if (db) for (let i = 0; i < accB.length; i++) db[i] = accB[i]!;
}

function maxPool2dForward(g: Conv2dGeometry, x: Float32Array, out: Float32Array, argmax: Int32Array): void {
  const c = g.inC;
  for (let n = 0; n < g.batch; n++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++)
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let bestIndex = -1;
          for (let kh = 0; kh < g.kH; kh++) {
            const ih = oh * g.strideH + kh;
            for (let kw = 0; kw < g.kW; kw++) {
              const iw = ow * g.strideW + kw;
              const i = ((n * g.inH + ih) * g.inW + iw) * c + ch;
              // Strictly greater: the first maximum in row-major window order wins (ties and NaN stay on it).
              if (bestIndex < 0 || x[i]! > best) {
                best = x[i]!;
                bestIndex = i;
              }
            }
          }
          const o = ((n * g.outH + oh) * g.outW + ow) * c + ch;
          out[o] = best;
          argmax[o] = bestIndex;
        }
}

function maxPool2dBackward(dy: Float32Array, argmax: Int32Array, dx: Float32Array): void {
  dx.fill(0);
  for (let i = 0; i < dy.length; i++) dx[argmax[i]!]! += dy[i]!;
}

function avgPool2dForward(g: Conv2dGeometry, x: Float32Array, out: Float32Array): void {
  const c = g.inC;
  const scale = 1 / (g.kH * g.kW);
  for (let n = 0; n < g.batch; n++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++)
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let kh = 0; kh < g.kH; kh++)
            for (let kw = 0; kw < g.kW; kw++) s += x[((n * g.inH + oh * g.strideH + kh) * g.inW + ow * g.strideW + kw) * c + ch]!;
          out[((n * g.outH + oh) * g.outW + ow) * c + ch] = s * scale;
        }
}

function avgPool2dBackward(g: Conv2dGeometry, dy: Float32Array, dx: Float32Array): void {
  const c = g.inC;
  const scale = 1 / (g.kH * g.kW);
  const acc = new Float64Array(g.batch * g.inH * g.inW * c);
  for (let n = 0; n < g.batch; n++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++)
        for (let ch = 0; ch < c; ch++) {
          const d = dy[((n * g.outH + oh) * g.outW + ow) * c + ch]! * scale;
          for (let kh = 0; kh < g.kH; kh++)
            for (let kw = 0; kw < g.kW; kw++) acc[((n * g.inH + oh * g.strideH + kh) * g.inW + ow * g.strideW + kw) * c + ch]! += d;
        }
  for (let i = 0; i < acc.length; i++) dx[i] = acc[i]!;
}

function adamStep(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  lrT: number,
  beta1: number,
  beta2: number,
  eps: number,
): void {
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]!;
    const mi = beta1 * m[i]! + (1 - beta1) * gi;
    const vi = beta2 * v[i]! + (1 - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i]! - (lrT * mi) / (Math.sqrt(vi) + eps);
  }
}

/** The reference backend: plain loops, single-threaded, float64 accumulation. */
export const referenceKernels: Kernels = {
  name: 'reference',
  threads: 1,
  gemm,
  biasActivation,
  activationBackward,
  sumRows,
  conv2dForward,
  conv2dBackwardInput,
  conv2dBackwardFilter,
  maxPool2dForward,
  maxPool2dBackward,
  avgPool2dForward,
  avgPool2dBackward,
  adamStep,
};
