import type { ParamValue, Run } from '../tracking/index.js';
import type { FitCallbacks, Model, PrivacyOptions } from './model.js';
import { kerasClassName } from './summary.js';

/** Calls each set of callbacks in order. */
export function mergeCallbacks(...all: FitCallbacks[]): FitCallbacks {
  const pick = <K extends keyof FitCallbacks>(key: K): NonNullable<FitCallbacks[K]>[] =>
    all.map((c) => c[key]).filter((f): f is NonNullable<FitCallbacks[K]> => typeof f === 'function');
  const out: FitCallbacks = {};
  const begin = pick('onTrainBegin');
  if (begin.length)
    out.onTrainBegin = async () => {
      for (const f of begin) await f();
    };
  const eb = pick('onEpochBegin');
  if (eb.length)
    out.onEpochBegin = async (e) => {
      for (const f of eb) await f(e);
    };
  const ee = pick('onEpochEnd');
  if (ee.length)
    out.onEpochEnd = async (e, l) => {
      for (const f of ee) await f(e, l);
    };
  const be = pick('onBatchEnd');
  if (be.length)
    out.onBatchEnd = async (b, l) => {
      for (const f of be) await f(b, l);
    };
  const te = pick('onTrainEnd');
  if (te.length)
    out.onTrainEnd = async (l) => {
      for (const f of te) await f(l);
    };
  return out;
}

/** One line describing the layers, e.g. `Conv2D(32,3x3,relu) > MaxPooling2D(2x2) > Flatten > Dense(10,softmax)`. */
export function describeLayers(model: Model): string {
  return model.layers
    .map((l) => {
      const c = l.config as Record<string, unknown>;
      const dims = (v: unknown): string => (Array.isArray(v) ? v.join('x') : String(v));
      const args: string[] = [];
      if (c.units !== undefined) args.push(String(c.units));
      if (c.filters !== undefined) args.push(String(c.filters), dims(c.kernelSize));
      if (c.poolSize !== undefined) args.push(dims(c.poolSize));
      if (c.rate !== undefined) args.push(String(c.rate));
      if (c.activation !== undefined && c.activation !== 'linear') args.push(String(c.activation));
      return `${kerasClassName(l.type)}${args.length ? `(${args.join(',')})` : ''}`;
    })
    .join(' > ');
}

/** The params `fit` logs to a run: optimizer, learning rate, batch size, epochs, loss, layers, counts. */
export function fitParams(
  model: Model,
  fit: { epochs: number; batchSize: number; samples: number; seed?: number; privacy?: PrivacyOptions | undefined },
): Record<string, ParamValue> {
  const c = model.compiled!;
  const params: Record<string, ParamValue> = {
    optimizer: c.optimizer.type,
    learning_rate: c.optimizer.learningRate,
    loss: c.loss.name,
    from_logits: c.loss.fromLogits,
    batch_size: fit.batchSize,
    epochs: fit.epochs,
    train_samples: fit.samples,
    layers: describeLayers(model),
    param_count: model.countParams().total,
    kernels: model.kernels.name,
  };
  if (c.optimizer.type === 'sgd') {
    params.momentum = c.optimizer.momentum;
    params.nesterov = c.optimizer.nesterov;
  }
  if (fit.seed !== undefined) params.seed = fit.seed;
  if (fit.privacy) {
    params.dp_l2_norm_clip = fit.privacy.l2NormClip;
    params.dp_noise_multiplier = fit.privacy.noiseMultiplier;
    params.dp_delta = fit.privacy.delta;
    params.dp_sample_rate = fit.batchSize / fit.samples;
    if (fit.privacy.targetEpsilon !== undefined) params.dp_target_epsilon = fit.privacy.targetEpsilon;
  }
  return params;
}

/** Callbacks that log fit params at the start and every epoch's logs (step = epoch number from 1) to a run. */
export function trackingCallbacks(
  run: Run,
  model: Model,
  fit: { epochs: number; batchSize: number; samples: number; seed?: number | undefined; privacy?: PrivacyOptions | undefined },
): FitCallbacks {
  return {
    onTrainBegin: () => run.logParams(fitParams(model, { ...fit, ...(fit.seed !== undefined ? { seed: fit.seed } : {}) })),
    onEpochEnd: (epoch, logs) => run.logMetrics(logs, epoch + 1),
    onTrainEnd: () => run.flush(),
  };
}
