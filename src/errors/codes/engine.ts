import { badInput, internal, verdict } from '../spec.js';

/** Tensors, layers, training, model files. */
export const engineErrors = {
  SHAPE_MISMATCH: badInput,
  DTYPE_INVALID: badInput,
  LABEL_OUT_OF_RANGE: badInput,
  INPUT_NOT_FINITE: badInput,
  LOSS_NOT_FINITE: verdict,
  MODEL_NOT_COMPILED: badInput,
  MODEL_INVALID: badInput,
  LAYER_INVALID: badInput,
  OPTIMIZER_UNKNOWN: badInput,
  METRIC_UNKNOWN: badInput,
  MODEL_NOT_BUILT: badInput,
  TRAINING_FAILED: internal,
  LOSS_UNKNOWN: badInput,
  NATIVE_FAILED: internal,
  ONNX_EXPORT_FAILED: internal,
  QUANTIZE_UNSUPPORTED: badInput,
  PRIVACY_INVALID: badInput,
  PRIVACY_UNSUPPORTED_LAYER: badInput,
} as const;
