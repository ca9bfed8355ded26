import type * as ort from 'onnxruntime-node';
import { startWorkerCalls, type WorkerReply } from './worker-calls.js';

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

/** Starts `workers` threads, each with its own session of `file`. */
export async function startOnnxWorkerPool(
  file: string,
  options: ort.InferenceSession.SessionOptions,
  outputNames: string[],
  workers: number,
): Promise<OnnxWorkerPool> {
  const slots = await Promise.all(
    Array.from({ length: Math.max(1, workers) }, () =>
      startWorkerCalls('onnx-worker', 'ONNX', { file, options, outputNames }, (m: WorkerReply & { outputs?: WireTensor[] }) => m.outputs),
    ),
  );
  return {
    run(feeds) {
      let slot = slots[0]!;
      for (const s of slots) if (s.busy < slot.busy) slot = s;
      return slot.call({ feeds });
    },
    async close() {
      await Promise.all(slots.map((s) => s.close()));
    },
  };
}
