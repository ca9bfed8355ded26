import type { Run } from '../tracking/index.js';
import type { Kernels } from './kernels/kernels.js';
import type { Layer } from './layers/layer.js';
import type { LossName, LossSpec } from './losses.js';
import type { OptimizerConfig } from './optimizers.js';
import type { Tensor } from './tensor.js';

/** Options of `model.compile` (Keras' names; snake_case loss names are accepted too). */
export interface CompileOptions {
  optimizer?: 'adam' | 'sgd' | 'gd' | OptimizerConfig;
  loss: LossName | (string & {}) | { name: string; fromLogits?: boolean };
  /** 'accuracy' (alias 'acc') is the metric computed while training. */
  metrics?: readonly string[];
  /** The model outputs logits (Keras' `from_logits=True` on the loss). */
  fromLogits?: boolean;
}

/** What `compile` resolved; saved in model.json so a loaded model can evaluate and keep training. */
export interface CompiledConfig {
  readonly optimizer: OptimizerConfig;
  readonly loss: LossSpec;
  readonly metrics: readonly string[];
}

/** Per-epoch (or per-batch) numbers: `loss`, `accuracy`, `val_loss`, `val_accuracy`, … */
export type Logs = Record<string, number>;

/** Hooks `fit` calls; returned promises are awaited. */
export interface FitCallbacks {
  onTrainBegin?: () => void | Promise<void>;
  onEpochBegin?: (epoch: number) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs: Logs) => void | Promise<void>;
  onBatchEnd?: (batch: number, logs: Logs) => void | Promise<void>;
  onTrainEnd?: (logs: Logs) => void | Promise<void>;
}

/**
 * DP-SGD (Abadi et al. 2016): each example's gradient is clipped to `l2NormClip` (over all parameters), the
 * clipped sum gets Gaussian noise of std `noiseMultiplier · l2NormClip`, batches are Poisson-sampled with rate
 * batchSize / samples, and a Rényi-DP accountant reports ε at `delta` after each epoch (logs key `epsilon`).
 */
export interface PrivacyOptions {
  l2NormClip: number;
  noiseMultiplier: number;
  delta: number;
  /** Stop before the step that would take ε past this. */
  targetEpsilon?: number;
}

/** Options of `model.fit` (Keras' names). */
export interface FitOptions {
  epochs?: number;
  /** Default 32; ignored by the 'gd' optimizer, which takes the whole training set as one batch. */
  batchSize?: number;
  validationData?: readonly [Tensor, Tensor];
  /** Fraction of the samples, taken from the end before shuffling (as Keras), held out for validation. */
  validationSplit?: number;
  shuffle?: boolean;
  /** Seeds shuffling and dropout; default: drawn from the model's seeded generator. */
  seed?: number;
  callbacks?: FitCallbacks;
  /** A tracking run to log params and per-epoch metrics to (the caller ends it). */
  run?: Run;
  /** Train with differential privacy (DP-SGD); works with the sgd and adam optimizers. */
  privacy?: PrivacyOptions;
  /** 1 prints one line per epoch to stderr. */
  verbose?: 0 | 1;
}

/** What `fit` returns, as Keras' History. */
export interface History {
  readonly epoch: number[];
  readonly history: Record<string, number[]>;
}

/** A sequential model. */
export interface Model {
  readonly layers: readonly Layer[];
  readonly kernels: Kernels;
  /** Input shape without the batch dimension, once built. */
  readonly inputShape: readonly number[] | undefined;
  readonly outputShape: readonly number[] | undefined;
  readonly compiled: CompiledConfig | undefined;
  /** Class names by output index, saved in the signature (set by whoever knows them). */
  classLabels: string[] | undefined;
  /** Set true from a callback to stop `fit` after the current batch (Keras' `model.stop_training`). */
  stopTraining: boolean;
  /** Creates weights for an input shape (without the batch dimension). */
  build(inputShape: readonly number[]): void;
  compile(opts: CompileOptions): void;
  fit(x: Tensor, y: Tensor, opts?: FitOptions): Promise<History>;
  evaluate(x: Tensor, y: Tensor, opts?: { batchSize?: number }): Logs;
  predict(x: Tensor, opts?: { batchSize?: number }): Tensor;
  /** A Keras-like table of layers, output shapes and parameter counts; printed with `print` when given. */
  summary(print?: (line: string) => void): string;
  countParams(): { total: number; trainable: number };
  /** Every weight tensor in layer order (kernel, bias, …). */
  getWeights(): Tensor[];
  setWeights(weights: readonly Tensor[]): void;
}
