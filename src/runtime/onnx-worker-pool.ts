import { Worker } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import { SlipwayError } from '../errors/index.js';
import { pendingCalls, type PendingCalls } from './pending-calls.js';

/** A tensor as it crosses to and from an ONNX worker thread. */
export interface WireTensor {
  readonly name: string;
  readonly type: ort.Tensor.Type;
  readonly dims: readonly number[];
  readonly data: Float32Array | Float64Array | Int32Array | BigInt64Array | Int8Array | Int16Array | Uint8Array;
}

/** ONNX sessions in worker threads, each request sent to the least busy one. */
export interface OnnxWorkerPool {
  run(feeds: readonly WireTensor[]): Promise<WireTensor[]>;
  close(): Promise<void>;
}

/**
 * The worker's entry: onnx-worker.js beside this file from dist; under tsx a data: URL bootstrap registers tsx's
 * hooks in the worker first (Node 20 does not apply the parent's `--import tsx` to a worker's .ts entry).
 */
function workerEntry(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./onnx-worker.js', import.meta.url);
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./onnx-worker.ts', import.meta.url).href;
  const code = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(entry)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

interface Slot {
  readonly worker: Worker;
  readonly pending: PendingCalls<WireTensor[]>;
  failure: Error | null;
}

async function startSlot(file: string, options: ort.InferenceSession.SessionOptions, outputNames: string[]): Promise<Slot> {
  const worker = new Worker(workerEntry(), { workerData: { file, options, outputNames } });
  await new Promise<void>((resolve, reject) => {
    const onMsg = (m: { ready?: boolean; error?: string }): void => {
      worker.off('message', onMsg);
      if (m.ready) resolve();
      else reject(new Error(m.error ?? 'ONNX worker failed to start'));
    };
    worker.on('message', onMsg);
    worker.once('error', reject);
  }).catch(async (e: unknown) => {
    await worker.terminate();
    throw e;
  });
  const slot: Slot = { worker, pending: pendingCalls(), failure: null };
  worker.on('message', (m: { id: number; outputs?: WireTensor[]; error?: string }) => {
    const p = slot.pending.take(m.id);
    if (!p) return;
    if (slot.pending.size === 0) worker.unref();
    if (m.error !== undefined || !m.outputs) p.reject(new SlipwayError('INPUT_INVALID', `prediction failed: ${m.error ?? 'no output'}`));
    else p.resolve(m.outputs);
  });
  const failAll = (e: Error): void => {
    slot.failure = e;
    for (const p of slot.pending.drain()) p.reject(e);
  };
  worker.on('error', failAll);
  worker.on('exit', () => failAll(new SlipwayError('SERVABLE_NOT_READY', 'the ONNX worker exited; reload the model.')));
  worker.unref();
  return slot;
}

/** Starts `workers` threads, each with its own session of `file`. */
export async function startOnnxWorkerPool(
  file: string,
  options: ort.InferenceSession.SessionOptions,
  outputNames: string[],
  workers: number,
): Promise<OnnxWorkerPool> {
  const slots = await Promise.all(Array.from({ length: Math.max(1, workers) }, () => startSlot(file, options, outputNames)));
  return {
    run(feeds) {
      let slot = slots[0]!;
      for (const s of slots) if (s.pending.size < slot.pending.size) slot = s;
      if (slot.failure) return Promise.reject(slot.failure);
      return new Promise((resolve, reject) => {
        // Referenced only while runs are pending, so an idle model never keeps the process alive.
        if (slot.pending.size === 0) slot.worker.ref();
        slot.worker.postMessage({ id: slot.pending.add({ resolve, reject }), feeds });
      });
    },
    async close() {
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
