import { z } from 'zod';
import type { Kernels } from './kernels/kernels.js';
import { layerFromConfig } from './layers/layer-from-config.js';
import type { CompileOptions, FitOptions, Model } from './model.js';
import { sequential } from './sequential.js';
import { adam, gd, sgd, type OptimizerConfig } from './optimizers.js';

const size = z.union([z.number().int().positive(), z.tuple([z.number().int().positive(), z.number().int().positive()])]);
const act = z.enum(['linear', 'relu', 'sigmoid', 'tanh', 'softmax']);
const shape = z.array(z.number().int().positive()).min(1);
const common = { name: z.string().min(1).optional(), inputShape: shape.optional() };

const layerSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('dense'),
    units: z.number().int().positive(),
    activation: act.optional(),
    useBias: z.boolean().optional(),
    ...common,
  }),
  z.strictObject({
    type: z.literal('conv2d'),
    filters: z.number().int().positive(),
    kernelSize: size,
    strides: size.optional(),
    padding: z.enum(['valid', 'same']).optional(),
    activation: act.optional(),
    useBias: z.boolean().optional(),
    ...common,
  }),
  z.strictObject({ type: z.literal('maxPooling2d'), poolSize: size.optional(), strides: size.optional(), ...common }),
  z.strictObject({ type: z.literal('averagePooling2d'), poolSize: size.optional(), strides: size.optional(), ...common }),
  z.strictObject({ type: z.literal('flatten'), ...common }),
  z.strictObject({ type: z.literal('dropout'), rate: z.number().min(0).lt(1), ...common }),
  z.strictObject({
    type: z.literal('batchNormalization'),
    momentum: z.number().min(0).lt(1).optional(),
    epsilon: z.number().positive().optional(),
    ...common,
  }),
  z.strictObject({ type: z.literal('activation'), activation: act, ...common }),
]);

const optimizerSchema = z.union([
  z.enum(['adam', 'sgd', 'gd']),
  z.strictObject({
    type: z.literal('adam'),
    learningRate: z.number().positive().optional(),
    beta1: z.number().min(0).lt(1).optional(),
    beta2: z.number().min(0).lt(1).optional(),
    epsilon: z.number().positive().optional(),
  }),
  z.strictObject({
    type: z.literal('sgd'),
    learningRate: z.number().positive().optional(),
    momentum: z.number().min(0).lt(1).optional(),
    nesterov: z.boolean().optional(),
  }),
  z.strictObject({ type: z.literal('gd'), learningRate: z.number().positive().optional() }),
]);

/** The schema of `model.yaml`: layers, compile options, fit defaults and preprocessing (for `slipway train`). */
export const modelSpecSchema = z.strictObject({
  name: z.string().min(1).optional(),
  seed: z.number().int().min(0).optional(),
  layers: z.array(layerSchema).min(1),
  compile: z.strictObject({
    optimizer: optimizerSchema.optional(),
    loss: z.string().min(1),
    fromLogits: z.boolean().optional(),
    metrics: z.array(z.string()).optional(),
  }),
  fit: z
    .strictObject({
      epochs: z.number().int().positive().optional(),
      batchSize: z.number().int().positive().optional(),
      validationSplit: z.number().min(0).lt(1).optional(),
      shuffle: z.boolean().optional(),
      seed: z.number().int().min(0).optional(),
      /** DP-SGD (see PrivacyOptions). */
      privacy: z
        .strictObject({
          l2NormClip: z.number().positive(),
          noiseMultiplier: z.number().min(0),
          delta: z.number().gt(0).lt(1),
          targetEpsilon: z.number().positive().optional(),
        })
        .optional(),
    })
    .optional(),
  /** standardize: train on z-scored features; the scaling is folded into the first dense layer when saved. */
  preprocess: z.strictObject({ standardize: z.boolean().optional() }).optional(),
});

/** A parsed model.yaml. */
export type ModelSpec = z.output<typeof modelSpecSchema>;

/** Builds and compiles the model a spec describes (built right away when the first layer has `inputShape` or one is given). */
export function buildModelFromSpec(
  spec: ModelSpec,
  opts: { inputShape?: readonly number[]; seed?: number; kernels?: Kernels } = {},
): Model {
  const layers = spec.layers.map((l, i) => {
    const { type, name, ...config } = l;
    const cfg: Record<string, unknown> = { ...config };
    if (i === 0 && !cfg.inputShape && opts.inputShape) cfg.inputShape = [...opts.inputShape];
    return layerFromConfig(type, cfg, name);
  });
  const seed = opts.seed ?? spec.seed;
  const model = sequential(layers, {
    ...(seed !== undefined ? { seed } : {}),
    ...(opts.kernels ? { kernels: opts.kernels } : {}),
    ...(spec.name ? { name: spec.name } : {}),
  });
  const compile: CompileOptions = {
    loss: spec.compile.loss,
    ...(spec.compile.optimizer ? { optimizer: optimizerFromSpec(spec.compile.optimizer) } : {}),
    ...(spec.compile.metrics ? { metrics: spec.compile.metrics } : {}),
    ...(spec.compile.fromLogits !== undefined ? { fromLogits: spec.compile.fromLogits } : {}),
  };
  model.compile(compile);
  return model;
}

/** The fit options a spec sets (CLI flags override them). */
export function fitOptionsFromSpec(spec: ModelSpec): FitOptions {
  return { ...(spec.fit ?? {}) } as FitOptions;
}

function optimizerFromSpec(o: NonNullable<ModelSpec['compile']['optimizer']>): 'adam' | 'sgd' | 'gd' | OptimizerConfig {
  if (typeof o === 'string') return o;
  const { type, ...rest } = o;
  return type === 'adam' ? adam(rest) : type === 'sgd' ? sgd(rest) : gd(rest);
}
