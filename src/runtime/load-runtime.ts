import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import { loadEngineRuntime, type EngineRuntimeOptions } from './engine-runtime.js';
import type { ModelRuntime } from './model-runtime.js';

/** Options for loading a runtime. */
export interface LoadRuntimeOptions extends EngineRuntimeOptions {
  /**
   * ONNX sessions in this many worker threads (default 0: on the calling thread, where onnxruntime-node runs a
   * session synchronously — right for batch evaluation). The model server passes 1 (SERVING_DEFAULTS.onnxWorkers).
   */
  readonly onnxWorkers?: number;
}

/**
 * Loads a model folder as a runtime: `model.onnx` → onnxruntime-node, `model.json` → Slipway's engine
 * (predictions in a worker thread unless the model is tiny). Throws MODEL_LOAD_FAILED / RUNTIME_UNSUPPORTED.
 */
export async function loadModelRuntime(dir: string, opts: LoadRuntimeOptions = {}): Promise<ModelRuntime> {
  // onnxruntime-node (~10 MB resident) is loaded only when an ONNX model is served.
  if (existsSync(join(dir, 'model.onnx'))) return (await import('./onnx-runtime.js')).loadOnnxRuntime(dir, { workers: opts.onnxWorkers });
  if (existsSync(join(dir, 'model.json'))) return loadEngineRuntime(dir, opts);
  throw new SlipwayError(
    'RUNTIME_UNSUPPORTED',
    `No model.onnx or model.json in ${dir}; a served model folder needs one of them (save with saveModel() or export ONNX).`,
  );
}
