/** The engine's public API: Keras-like models, layers, losses, optimizers and model files. */
export { tensor, type Tensor } from './tensor.js';
export { sequential, type SequentialOptions } from './sequential.js';
export type { Model, CompileOptions, CompiledConfig, FitOptions, FitCallbacks, History, Logs } from './model.js';
export { dense, type DenseOptions } from './layers/dense.js';
export { conv2d, type Conv2dOptions } from './layers/conv2d.js';
export { maxPooling2d, averagePooling2d, type Pooling2dOptions } from './layers/pooling.js';
export { flatten } from './layers/flatten.js';
export { dropout } from './layers/dropout.js';
export { batchNormalization, type BatchNormalizationOptions } from './layers/batch-normalization.js';
export { activation } from './layers/activation-layer.js';
export { layerFromConfig, LAYER_TYPES } from './layers/layer-from-config.js';
export type { Layer, ActivationName } from './layers/layer.js';
export { adam, sgd, gd, type OptimizerConfig, type AdamOptions, type SgdOptions } from './optimizers.js';
export { resolveLoss, type LossName, type LossSpec } from './losses.js';
export { saveModel, loadModel, saveModelToStore, modelToFile, modelFromFile, modelSignature } from './model-io.js';
export { fitInWorker, type FitInWorkerOptions } from './fit-in-worker.js';
export { buildModelFromSpec, modelSpecSchema, type ModelSpec } from './model-spec.js';
export * as datasets from './datasets.js';
