import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelFile } from '../engine/model-format.js';
import type { Signature } from '../engine/signature.js';
import { SlipwayError } from '../errors/index.js';
import { loadEngineModel, type EngineModel } from './engine-model.js';
import type { ModelRuntime, TensorData } from './model-runtime.js';
import { checkInputs, closedRuntimeError } from './check-inputs.js';
import { startWorkerCalls, type WorkerCalls, type WorkerReply } from './worker-calls.js';

/** Options for the engine runtime. */
export interface EngineRuntimeOptions {
  /**
   * Models whose weights.bin is at most this many bytes predict inline on the calling thread: for them the
   * worker hop (structured clone + two thread wake-ups, ~50-100 µs) costs more than the prediction itself.
   * Larger models predict in a worker thread so the event loop keeps parsing requests meanwhile. Default 64 KiB.
   */
  readonly inlineMaxWeightBytes?: number;
  /**
   * Threads of the native kernel pool, when SLIPWAY_THREADS does not say (default: the physical cores). The model
   * server passes 1: its parallelism comes from concurrent requests (see setDefaultKernelThreads).
   */
  readonly kernelThreads?: number;
}

/** Runs predictions of one engine model in a worker thread (works under tsx and from dist). */
function startWorker(dir: string, kernelThreads: number | undefined): Promise<WorkerCalls<{ shape: number[]; data: Float32Array }>> {
  return startWorkerCalls(
    'engine-worker',
    'engine',
    { dir, kernelThreads },
    (m: WorkerReply & { shape?: number[]; data?: Float32Array }) => (m.data && m.shape ? { shape: m.shape, data: m.data } : undefined),
  );
}

/** Loads an engine-format model folder (model.json) as a runtime; inference runs in a worker unless tiny. */
export async function loadEngineRuntime(dir: string, opts: EngineRuntimeOptions = {}): Promise<ModelRuntime> {
  let file: ModelFile;
  try {
    file = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelFile;
  } catch (e) {
    throw new SlipwayError(
      'MODEL_LOAD_FAILED',
      `Could not read ${join(dir, 'model.json')}: ${(e as Error).message}. Re-save the model with saveModel().`,
      undefined,
      { cause: e },
    );
  }
  let signature: Signature = file.signature;
  try {
    signature = JSON.parse(readFileSync(join(dir, 'signature.json'), 'utf8')) as Signature;
  } catch {
    // model.json carries the signature too; signature.json is the canonical copy when present.
  }
  if (!signature || signature.inputs.length !== 1 || signature.outputs.length !== 1) {
    throw new SlipwayError('MODEL_LOAD_FAILED', `The engine model in ${dir} must have exactly one input and one output in its signature.`);
  }
  const inputName = signature.inputs[0]!.name;
  const output = signature.outputs[0]!;
  let weightBytes = 0;
  try {
    weightBytes = statSync(join(dir, 'weights.bin')).size;
  } catch {
    weightBytes = 0;
  }
  const inline = weightBytes <= (opts.inlineMaxWeightBytes ?? 64 * 1024);
  let run: (shape: number[], data: Float32Array) => Promise<{ shape: number[]; data: Float32Array }>;
  let close: () => Promise<void>;
  try {
    if (inline) {
      const model: EngineModel = await loadEngineModel(dir, opts.kernelThreads);
      run = async (shape, data) => {
        let y: ReturnType<EngineModel['predict']>;
        try {
          y = model.predict({ shape, data });
        } catch (e) {
          // The same code the worker gives for a failed prediction.
          throw new SlipwayError('INPUT_INVALID', `prediction failed: ${(e as Error).message}`, undefined, { cause: e });
        }
        return { shape: [...y.shape], data: y.data };
      };
      close = async () => undefined;
    } else {
      const w = await startWorker(dir, opts.kernelThreads);
      run = (shape, data) => w.call({ shape, data });
      close = () => w.close();
    }
  } catch (e) {
    if (e instanceof SlipwayError) throw e;
    throw new SlipwayError('MODEL_LOAD_FAILED', `Could not load the engine model in ${dir}: ${(e as Error).message}.`, undefined, {
      cause: e,
    });
  }
  let closed = false;
  return {
    format: 'slipway',
    signature,
    async predict(inputs: Readonly<Record<string, TensorData>>): Promise<Record<string, TensorData>> {
      if (closed) throw closedRuntimeError();
      checkInputs(signature, inputs);
      const x = inputs[inputName]!;
      const data = x.data instanceof Float32Array ? x.data : Float32Array.from(x.data as ArrayLike<number>);
      const y = await run([...x.shape], data);
      return { [output.name]: { dtype: 'FP32', shape: y.shape, data: y.data } };
    },
    async close() {
      closed = true;
      await close();
    },
  };
}
