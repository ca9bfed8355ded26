/**
 * The native backend: the C++ kernels in `native/` (built by node-gyp into build/Release/slipway_native.node at
 * `npm install`), wrapped to the `Kernels` interface. Typed arrays cross into C++ without copying.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Activation, Conv2dGeometry, Kernels } from './kernels.js';

/** What the addon exports (native/addon.cc); geometry travels as 13 integers in Conv2dGeometry's field order. */
interface NativeAddon {
  init(threads: number): number;
  simd(): 'avx512' | 'avx2' | 'none';
  setSimd(level: 'avx512' | 'avx2' | 'none'): 'avx512' | 'avx2' | 'none';
  gemm(ta: boolean, tb: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, acc: boolean): void;
  biasActivation(x: Float32Array, bias: Float32Array | null, rows: number, cols: number, act: number): void;
  activationBackward(dy: Float32Array, y: Float32Array, act: number, out: Float32Array): void;
  sumRows(x: Float32Array, rows: number, cols: number, out: Float32Array): void;
  conv2dForward(g: Int32Array, x: Float32Array, w: Float32Array, bias: Float32Array | null, act: number, out: Float32Array): void;
  conv2dBackwardInput(g: Int32Array, dy: Float32Array, w: Float32Array, dx: Float32Array): void;
  conv2dBackwardFilter(g: Int32Array, x: Float32Array, dy: Float32Array, dw: Float32Array, db: Float32Array | null): void;
  maxPool2dForward(g: Int32Array, x: Float32Array, out: Float32Array, argmax: Int32Array): void;
  maxPool2dBackward(dy: Float32Array, argmax: Int32Array, dx: Float32Array): void;
  avgPool2dForward(g: Int32Array, x: Float32Array, out: Float32Array): void;
  avgPool2dBackward(g: Int32Array, dy: Float32Array, dx: Float32Array): void;
  adamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, lrT: number, b1: number, b2: number, eps: number): void;
}

const ACT: Record<Activation, number> = { linear: 0, relu: 1, sigmoid: 2, tanh: 3 };

/** Conv2dGeometry's fields in the order the addon reads them (native/addon.cc geo_of). */
const GEO_FIELDS = ['batch', 'inH', 'inW', 'inC', 'outH', 'outW', 'outC', 'kH', 'kW', 'strideH', 'strideW', 'padTop', 'padLeft'] as const;

/** The package root: the nearest folder above this file whose package.json is slipway's (works from src/ and dist/). */
function packageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: unknown }).name === 'slipway') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** Path of the built addon, or null when it was not built. */
export function nativeAddonPath(): string | null {
  const root = packageRoot();
  const p = root ? join(root, 'build', 'Release', 'slipway_native.node') : null;
  return p && existsSync(p) ? p : null;
}

let cached: { addon: NativeAddon; simd: 'avx512' | 'avx2' | 'none' } | null | undefined;

function loadAddon(): { addon: NativeAddon; simd: 'avx512' | 'avx2' | 'none' } | null {
  if (cached !== undefined) return cached;
  const p = nativeAddonPath();
  cached = null;
  if (p) {
    try {
      const addon = createRequire(import.meta.url)(p) as NativeAddon;
      cached = { addon, simd: addon.simd() };
    } catch {
      cached = null; // built for another Node/CPU, or a broken build: the reference kernels take over
    }
  }
  return cached;
}

/** SIMD level the native kernels dispatch to on this CPU ('none' when the addon is not loaded). */
export function nativeSimd(): 'avx512' | 'avx2' | 'none' {
  return loadAddon()?.simd ?? 'none';
}

/**
 * Lowers (never raises above what the CPU has) the SIMD level of the native micro-kernels, process-wide; returns the
 * level in use. For tests and benchmarks that compare the AVX-512, AVX2 and portable paths on one machine.
 */
export function setNativeSimd(level: 'avx512' | 'avx2' | 'none'): 'avx512' | 'avx2' | 'none' {
  const loaded = loadAddon();
  if (!loaded) return 'none';
  loaded.simd = loaded.addon.setSimd(level);
  return loaded.simd;
}

/**
 * Loads the native kernels, or null when the addon is missing or cannot load. `threads` (default: the physical
 * cores) sizes the addon's process-wide thread pool; the first call fixes it.
 */
export function loadNativeKernels(opts: { threads?: number } = {}): Kernels | null {
  const loaded = loadAddon();
  if (!loaded) return null;
  const a = loaded.addon;
  const threads = a.init(opts.threads ?? 0);
  // One geometry buffer, refilled per call (the addon reads it before returning): a fresh Int32Array per kernel
  // call was a visible share of a batch-1 prediction.
  const geoBuf = new Int32Array(GEO_FIELDS.length);
  const geo = (g: Conv2dGeometry): Int32Array => {
    for (let i = 0; i < GEO_FIELDS.length; i++) geoBuf[i] = g[GEO_FIELDS[i]!];
    return geoBuf;
  };
  return {
    name: 'native',
    threads,
    gemm: (ta, tb, m, n, k, x, y, c, acc) => a.gemm(ta, tb, m, n, k, x, y, c, acc),
    biasActivation: (x, bias, rows, cols, act) => a.biasActivation(x, bias, rows, cols, ACT[act]),
    activationBackward: (dy, y, act, out) => a.activationBackward(dy, y, ACT[act], out),
    sumRows: (x, rows, cols, out) => a.sumRows(x, rows, cols, out),
    conv2dForward: (g, x, w, bias, act, out) => a.conv2dForward(geo(g), x, w, bias, ACT[act], out),
    conv2dBackwardInput: (g, dy, w, dx) => a.conv2dBackwardInput(geo(g), dy, w, dx),
    conv2dBackwardFilter: (g, x, dy, dw, db) => a.conv2dBackwardFilter(geo(g), x, dy, dw, db),
    maxPool2dForward: (g, x, out, argmax) => a.maxPool2dForward(geo(g), x, out, argmax),
    maxPool2dBackward: (dy, argmax, dx) => a.maxPool2dBackward(dy, argmax, dx),
    avgPool2dForward: (g, x, out) => a.avgPool2dForward(geo(g), x, out),
    avgPool2dBackward: (g, dy, dx) => a.avgPool2dBackward(geo(g), dy, dx),
    adamStep: (p, g, m, v, lrT, b1, b2, eps) => a.adamStep(p, g, m, v, lrT, b1, b2, eps),
  };
}
