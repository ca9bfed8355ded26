import { loadModel, setDefaultKernelThreads } from '../engine/index.js';

/** The slice of an engine tensor the serving runtime passes around. */
export interface EngineTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** A loaded engine model (inference only). */
export interface EngineModel {
  predict(x: EngineTensor): EngineTensor;
}

/**
 * Loads an engine-format model folder (model.json + weights.bin + signature.json) through the engine. `kernelThreads`
 * sizes the process's native pool when nothing sized it yet (SLIPWAY_THREADS still wins).
 */
export async function loadEngineModel(dir: string, kernelThreads?: number): Promise<EngineModel> {
  if (kernelThreads !== undefined) setDefaultKernelThreads(kernelThreads);
  return loadModel(dir);
}
