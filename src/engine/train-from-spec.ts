import { SlipwayError } from '../errors/index.js';
import type { Run } from '../tracking/index.js';
import { fitInWorker } from './fit-in-worker.js';
import type { FitCallbacks, History, Logs, Model } from './model.js';
import { buildModelFromSpec, fitOptionsFromSpec, type ModelSpec } from './model-spec.js';
import { adam, gd, sgd } from './optimizers.js';
import { featureStats, foldStandardization, standardize } from './standardize.js';
import type { TrainingData } from './training-data.js';

/** Overrides of the spec's fit section (the CLI's flags); absent: the spec's value. */
export interface TrainFromSpecOptions {
  readonly seed: number;
  readonly epochs?: number | undefined;
  readonly batchSize?: number | undefined;
  /** Replaces the optimizer's learning rate. */
  readonly learningRate?: number | undefined;
  /** Fraction held out for validation, from the end. */
  readonly validationSplit?: number | undefined;
  /** Names the data in errors. */
  readonly source: string;
  /**
   * Called once the model is built and before training starts (so a failing spec records no run): returns the run
   * to log into and the callbacks to follow training with.
   */
  readonly start?: ((plan: TrainingPlan) => Promise<{ run?: Run | undefined; callbacks?: FitCallbacks | undefined }>) | undefined;
}

/** What will be trained, known before the first epoch. */
export interface TrainingPlan {
  readonly model: Model;
  readonly epochs: number;
  readonly batchSize: number;
  /** Rows trained on (the rest are validation rows). */
  readonly trainRows: number;
  readonly batchesPerEpoch: number;
}

/** A trained model (standardization folded into its first layer), its history and the figures `slipway train` reports. */
export interface TrainFromSpecResult {
  readonly model: Model;
  readonly history: History;
  /** The last epoch's logs. */
  readonly last: Logs;
  readonly trainRows: number;
  readonly seconds: number;
  readonly run: Run | undefined;
}

/**
 * Trains the model a model.yaml spec describes on loaded data: builds and compiles it, applies the overrides,
 * standardizes features from the training rows only when the spec asks (folded back into the model afterwards),
 * and fits off the main thread.
 */
export async function trainFromSpec(spec: ModelSpec, td: TrainingData, opts: TrainFromSpecOptions): Promise<TrainFromSpecResult> {
  if (!td.y) throw new SlipwayError('DATA_FORMAT_INVALID', `${opts.source} has no labels (no IDX labels file or CSV target column)`, {});
  const model = buildModelFromSpec(spec, { inputShape: td.x.shape.slice(1), seed: opts.seed });
  if (opts.learningRate !== undefined) {
    const lr = opts.learningRate;
    const c = model.compiled!;
    const opt =
      c.optimizer.type === 'adam'
        ? adam({ ...c.optimizer, learningRate: lr })
        : c.optimizer.type === 'sgd'
          ? sgd({ ...c.optimizer, learningRate: lr })
          : gd({ learningRate: lr });
    model.compile({ optimizer: opt, loss: c.loss, metrics: c.metrics });
  }
  const outWidth = model.outputShape![model.outputShape!.length - 1] ?? 1;
  if (td.classLabels && (td.classLabels.length === outWidth || (outWidth === 1 && td.classLabels.length === 2)))
    model.classLabels = td.classLabels;
  const fitOpts = fitOptionsFromSpec(spec);
  const epochs = opts.epochs ?? fitOpts.epochs ?? 1;
  const batchSize = opts.batchSize ?? fitOpts.batchSize ?? 32;
  const valSplit = opts.validationSplit ?? fitOpts.validationSplit;
  const n = td.x.shape[0]!;
  const trainRows = valSplit ? Math.floor(n * (1 - valSplit)) : n;
  // Standardization statistics come from the training rows only (validation rows are held out from the end).
  let x = td.x;
  const cols = x.data.length / n;
  const stats = spec.preprocess?.standardize ? featureStats(x.data.subarray(0, trainRows * cols), trainRows, cols) : undefined;
  if (stats) x = { shape: x.shape, data: standardize(x.data, stats) };
  const batchesPerEpoch = Math.ceil(trainRows / (model.compiled!.optimizer.type === 'gd' ? trainRows : batchSize));
  const started = (await opts.start?.({ model, epochs, batchSize, trainRows, batchesPerEpoch })) ?? {};
  const t0 = performance.now();
  const history = await fitInWorker(model, x, td.y, {
    epochs,
    batchSize,
    seed: opts.seed,
    shuffle: fitOpts.shuffle ?? true,
    ...(valSplit ? { validationSplit: valSplit } : {}),
    ...(fitOpts.privacy ? { privacy: fitOpts.privacy } : {}),
    ...(started.run ? { run: started.run } : {}),
    ...(started.callbacks ? { callbacks: started.callbacks } : {}),
  });
  const seconds = (performance.now() - t0) / 1000;
  if (stats) foldStandardization(model, stats);
  const last: Logs = {};
  for (const [k, v] of Object.entries(history.history)) last[k] = v[v.length - 1]!;
  return { model, history, last, trainRows, seconds, run: started.run };
}
