/** Loading and running a model version: engine (inline, worker) and ONNX runtimes, used by gates and serving. */
export { loadModelRuntime, type LoadRuntimeOptions } from './load-runtime.js';
export type { ModelRuntime, TensorData } from './model-runtime.js';
export { loadEngineRuntime, type EngineRuntimeOptions } from './engine-runtime.js';
