import type { Signature, DType } from '../engine/signature.js';

/** A typed tensor crossing the runtime boundary (row-major). */
export interface TensorData {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array | Int32Array | BigInt64Array | Int8Array | Int16Array | Uint8Array;
}

/**
 * A loaded model ready to predict: the engine's own format or ONNX (onnxruntime-node). Used by the model server,
 * the gates (evaluation, latency budgets) and the demo. Inference runs off the event loop.
 */
export interface ModelRuntime {
  readonly format: 'slipway' | 'onnx';
  readonly signature: Signature;
  predict(inputs: Readonly<Record<string, TensorData>>): Promise<Record<string, TensorData>>;
  close(): Promise<void>;
}
