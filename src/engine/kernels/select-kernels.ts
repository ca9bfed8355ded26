/**
 * Picks the engine's kernel backend once per process: native when the addon loads, else the TypeScript reference.
 * SLIPWAY_KERNELS=reference|native forces one (native fails loudly when it is forced but missing);
 * SLIPWAY_THREADS sizes the native thread pool (default: the physical cores).
 */
import { kernelSettings } from '../../config/index.js';
import { SlipwayError } from '../../errors/index.js';
import type { Kernels } from './kernels.js';
import { loadNativeKernels, nativeSimd } from './native-kernels.js';
import { referenceKernels } from './reference-kernels.js';

/** What `getKernels()` chose, for CLIs and benchmarks to print. */
export interface KernelsInfo {
  backend: 'reference' | 'native';
  threads: number;
  simd: 'avx512' | 'avx2' | 'none';
}

/** Settings that pick the backend; `getKernels()` takes them from config/settings.ts (kernelSettings) once. */
export interface KernelSelection {
  force?: 'reference' | 'native';
  threads?: number;
}

let warnedFallback = false;

/** Chooses a backend for the given selection (no caching). */
export function selectKernels(sel: KernelSelection): Kernels {
  if (sel.force === 'reference') return referenceKernels;
  const native = loadNativeKernels({ threads: sel.threads });
  if (native) return native;
  if (sel.force === 'native') {
    throw new SlipwayError(
      'NATIVE_FAILED',
      'SLIPWAY_KERNELS=native but the native kernels are not built (build/Release/slipway_native.node); run `npm rebuild slipway` or `node scripts/build-native.mjs` with a C++ compiler installed, or unset SLIPWAY_KERNELS.',
    );
  }
  // Training on the reference kernels is ~100x slower; say so once rather than leave a user wondering.
  if (!warnedFallback && sel.force === undefined) {
    warnedFallback = true;
    process.emitWarning(
      'native kernels not available; training uses the slower TypeScript reference kernels (run `node scripts/build-native.mjs`)',
      {
        code: 'SLIPWAY_REFERENCE_KERNELS',
      },
    );
  }
  return referenceKernels;
}

let chosen: Kernels | undefined;
let threadsDefault: number | undefined;

/** The process's kernel backend (chosen on first call from the environment). */
export function getKernels(): Kernels {
  if (!chosen) {
    const sel = kernelSettings();
    chosen = selectKernels({ ...sel, threads: sel.threads ?? threadsDefault });
  }
  return chosen;
}

/**
 * Sets the native pool's size for this process when SLIPWAY_THREADS does not, before the first kernel runs.
 * A model server passes 1: it gets its parallelism from concurrent requests, and a batch-1 prediction split over
 * cores (with the pool spinning between jobs) takes CPU from the event loop that parses the next request.
 * Returns false when the kernels were already chosen (the pool is sized once per process).
 */
export function setDefaultKernelThreads(threads: number): boolean {
  if (chosen) return false;
  threadsDefault = threads;
  return true;
}

/** Which backend `getKernels()` runs, with its thread count and SIMD level. */
export function kernelsInfo(): KernelsInfo {
  const k = getKernels();
  return { backend: k.name, threads: k.threads, simd: k.name === 'native' ? nativeSimd() : 'none' };
}
