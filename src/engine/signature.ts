/** Element types a model input or output may have (Open Inference v2 names). */
export type DType = 'FP32' | 'FP64' | 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'UINT8' | 'BOOL' | 'BYTES';

/** One named tensor of a model's signature; `-1` in `shape` means any size (the batch dimension is first). */
export interface TensorSpec {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
}

/**
 * What a model takes and returns. Every model folder (any format) carries it as `signature.json`.
 * `classLabels` names output classes for classifiers (index → label), used by `:classify` and monitoring.
 */
export interface Signature {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly classLabels?: readonly string[];
}

/** True when two signatures have the same input/output names, dtypes and shapes. */
export function sameSignature(a: Signature, b: Signature): boolean {
  const eq = (x: readonly TensorSpec[], y: readonly TensorSpec[]): boolean =>
    x.length === y.length &&
    x.every((t, i) => t.name === y[i]!.name && t.dtype === y[i]!.dtype && t.shape.join(',') === y[i]!.shape.join(','));
  return eq(a.inputs, b.inputs) && eq(a.outputs, b.outputs);
}

/** onnxruntime's tensor type names → signature dtypes (ONNX files registered or served carry these). */
export const DTYPE_OF_ORT_TYPE: Readonly<Record<string, DType>> = {
  float32: 'FP32',
  float64: 'FP64',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  uint8: 'UINT8',
  bool: 'BOOL',
  string: 'BYTES',
};
