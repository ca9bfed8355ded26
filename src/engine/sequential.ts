import { SlipwayError } from '../errors/index.js';
import { getKernels } from './kernels/select-kernels.js';
import type { Kernels } from './kernels/kernels.js';
import type { Layer, PerExampleSink, StepContext } from './layers/layer.js';
import { resolveLoss, targetWidth, validateTargets } from './losses.js';
import type { CompileOptions, CompiledConfig, Model } from './model.js';
import { resolveOptimizer } from './optimizers.js';
import { createRng, randomSeed, type Rng } from './random.js';
import { renderSummary } from './summary.js';
import { assertFinite, shapeString, sizeOf, sliceRows, type Tensor } from './tensor.js';
import { fitModel } from './fit.js';
import { evaluateBatches } from './evaluate-batches.js';
import type { ModelInternals } from './model-internals.js';
import { createTape } from './tape.js';

export type { ModelInternals } from './model-internals.js';

/** Options of `sequential`. */
export interface SequentialOptions {
  /** Seeds weight initialisation (and, unless `fit` gets its own, shuffling and dropout). Default: random. */
  seed?: number;
  /** Kernel backend; default `getKernels()` (native when built). */
  kernels?: Kernels;
  name?: string;
}

const SNAKE: Record<string, string> = {
  dense: 'dense',
  conv2d: 'conv2d',
  maxPooling2d: 'max_pooling2d',
  averagePooling2d: 'average_pooling2d',
  flatten: 'flatten',
  dropout: 'dropout',
  batchNormalization: 'batch_normalization',
  activation: 'activation',
};

const METRICS = new Set(['accuracy', 'acc']);

/** Creates a sequential model from layers (Keras' `Sequential`); builds it when the first layer has `inputShape`. */
export function sequential(layers: readonly Layer[], opts: SequentialOptions = {}): Model & { readonly internals: ModelInternals } {
  if (layers.length === 0) throw new SlipwayError('MODEL_INVALID', 'a sequential model needs at least one layer', {});
  const rng = createRng(opts.seed ?? randomSeed());
  const kernels = opts.kernels ?? getKernels();
  nameLayers(layers);
  let inputShape: readonly number[] | undefined;
  let compiled: CompiledConfig | undefined;
  let firstTrainable = -1;
  const tape = createTape();
  let fusedOutput = false;
  let sink: PerExampleSink | undefined;

  const requireBuilt = (): readonly number[] => {
    if (!inputShape) {
      throw new SlipwayError(
        'MODEL_NOT_BUILT',
        'the model has no input shape yet; give the first layer `inputShape` or call fit/predict/build first',
        {},
      );
    }
    return inputShape;
  };
  const ctxOf = (training: boolean, r: Rng): StepContext => ({ kernels, training, rng: r });

  const internals: ModelInternals = {
    rng,
    forward(x, batch, training, r) {
      const ctx = ctxOf(training, r);
      if (training) tape.clear();
      let h = x;
      layers.forEach((l, i) => {
        h = l.forward(h, batch, ctx);
        if (training) {
          // Layers before the first one with weights need no input gradient: the first conv skips its biggest pass.
          tape.record((g) =>
            l.backward(g, batch, sink ? { ...ctx, perExample: sink } : ctx, i > firstTrainable, fusedOutput && i === layers.length - 1),
          );
        }
      });
      return h;
    },
    backward(grad, _batch, fused) {
      fusedOutput = fused;
      tape.backward(grad);
    },
    backwardPerExample(grad, _batch, fused, perExample) {
      fusedOutput = fused;
      sink = perExample;
      try {
        tape.backward(grad, true);
      } finally {
        sink = undefined;
      }
    },
    checkInputs(x, y, what) {
      checkFloat32(x, y, what);
      checkInputShape(x, requireBuilt(), layers[0]!.name, what);
      if (y) checkTargets(y, x.shape[0]!, compiled!, model.outputShape!, layers[layers.length - 1]!.name, what);
    },
  };

  const model: Model & { internals: ModelInternals } = {
    layers,
    kernels,
    internals,
    get inputShape() {
      return inputShape;
    },
    get outputShape() {
      return layers[layers.length - 1]!.outputShape.length > 0 || inputShape ? layers[layers.length - 1]!.outputShape : undefined;
    },
    get compiled() {
      return compiled;
    },
    classLabels: undefined,
    stopTraining: false,
    build(shape) {
      if (inputShape) {
        if (shape.join(',') !== inputShape.join(',')) {
          throw new SlipwayError(
            'SHAPE_MISMATCH',
            `layer ${layers[0]!.name} was built for input [-1, ${inputShape.join(', ')}] but got [-1, ${shape.join(', ')}]`,
            { layer: layers[0]!.name },
          );
        }
        return;
      }
      let s: readonly number[] = [...shape];
      for (const l of layers) s = l.build(s, rng);
      inputShape = [...shape];
      firstTrainable = layers.findIndex((l) => l.params.some((p) => p.trainable));
    },
    compile(opts: CompileOptions) {
      compiled = compiledConfig(opts);
    },
    async fit(x, y, opts = {}) {
      if (!compiled) throw new SlipwayError('MODEL_NOT_COMPILED', 'call model.compile({ optimizer, loss }) before fit', {});
      if (!inputShape && x.shape.length > 1) model.build(x.shape.slice(1));
      return fitModel(model, internals, x, y, opts);
    },
    evaluate(x, y, opts = {}) {
      if (!compiled) throw new SlipwayError('MODEL_NOT_COMPILED', 'call model.compile({ optimizer, loss }) before evaluate', {});
      if (!inputShape && x.shape.length > 1) model.build(x.shape.slice(1));
      internals.checkInputs(x, y, 'evaluation');
      return evaluateBatches(model, internals, x, y, opts.batchSize ?? 256);
    },
    predict(x, opts = {}) {
      if (!inputShape && x.shape.length > 1) model.build(x.shape.slice(1));
      internals.checkInputs(x, null, 'predict');
      return predictInBatches(internals, x, model.outputShape!, Math.max(1, opts.batchSize ?? 256), rng);
    },
    summary(print) {
      const text = renderSummary(opts.name ?? 'sequential', layers, model.countParams());
      if (print) for (const line of text.split('\n')) print(line);
      return text;
    },
    countParams() {
      return countLayerParams(layers);
    },
    getWeights() {
      requireBuilt();
      return layers.flatMap((l) => l.params.map((p) => ({ shape: [...p.shape], data: Float32Array.from(p.value) })));
    },
    setWeights(ws) {
      requireBuilt();
      setLayerWeights(layers, ws);
    },
  };
  const declared = layers[0]!.declaredInputShape;
  if (declared) model.build(declared);
  return model;
}

/** Names unnamed layers Keras-style (`dense`, `dense_1`, …); MODEL_INVALID when two end up with the same name. */
function nameLayers(layers: readonly Layer[]): void {
  const counts = new Map<string, number>();
  const seen = new Set<string>();
  for (const l of layers) {
    const base = SNAKE[l.type] ?? l.type;
    if (l.name === base || l.name === l.type) {
      const n = counts.get(base) ?? 0;
      counts.set(base, n + 1);
      l.name = n === 0 ? base : `${base}_${n}`;
    }
    if (seen.has(l.name)) throw new SlipwayError('MODEL_INVALID', `two layers are named ${l.name}; layer names must be unique`, {});
    seen.add(l.name);
  }
}

/** The loss, optimizer and metrics of `compile` (METRIC_UNKNOWN for a metric other than accuracy). */
function compiledConfig(opts: CompileOptions): CompiledConfig {
  const base = resolveLoss(opts.loss);
  const loss = opts.fromLogits ? { ...base, fromLogits: true } : base;
  const metrics = [...(opts.metrics ?? [])].map((m) => {
    if (!METRICS.has(m)) throw new SlipwayError('METRIC_UNKNOWN', `unknown metric ${JSON.stringify(m)}; use 'accuracy'`, { metric: m });
    return 'accuracy';
  });
  return { optimizer: resolveOptimizer(opts.optimizer), loss, metrics };
}

/** DTYPE_INVALID unless x (and y) hold float32. */
function checkFloat32(x: Tensor, y: Tensor | null, what: string): void {
  for (const [t, name] of [
    [x, 'x'],
    [y, 'y'],
  ] as const) {
    if (t && !(t.data instanceof Float32Array)) {
      throw new SlipwayError(
        'DTYPE_INVALID',
        `${what} ${name} holds ${(t.data as object)?.constructor?.name ?? typeof t.data}, not float32; build it with tensor(values, shape)`,
        {},
      );
    }
  }
}

/** SHAPE_MISMATCH unless x is [N, ...want] with N ≥ 1 (DATA_EMPTY) and finite values. */
function checkInputShape(x: Tensor, want: readonly number[], first: string, what: string): void {
  if (x.shape.length !== want.length + 1 || x.shape.slice(1).some((d, i) => d !== want[i])) {
    throw new SlipwayError(
      'SHAPE_MISMATCH',
      `layer ${first} expects input [-1, ${want.join(', ')}] but ${what} x has shape ${shapeString(x.shape)}; reshape the data`,
      { layer: first, expected: [-1, ...want], got: [...x.shape] },
    );
  }
  if (x.data.length !== sizeOf(x.shape)) {
    throw new SlipwayError('SHAPE_MISMATCH', `${what} x has ${x.data.length} values but shape ${shapeString(x.shape)}`, {});
  }
  if ((x.shape[0] ?? 0) === 0) throw new SlipwayError('DATA_EMPTY', `${what} data has no samples; give at least one`, {});
  assertFinite(x.data, `${what} x`);
}

/** SHAPE_MISMATCH unless y has one target row per sample of the width the loss needs; then the loss checks values. */
function checkTargets(y: Tensor, n: number, c: CompiledConfig, outputShape: readonly number[], last: string, what: string): void {
  const k = outputShape[outputShape.length - 1] ?? 1;
  const width = targetWidth(c.loss, k) * (sizeOf(outputShape) / k);
  const ok = y.shape[0] === n && sizeOf(y.shape.slice(1)) === width && y.data.length === n * width;
  if (!ok) {
    const expect = width === 1 ? `[${n}] or [${n}, 1]` : `[${n}, ${width}]`;
    throw new SlipwayError(
      'SHAPE_MISMATCH',
      `${what} y has shape ${shapeString(y.shape)} but layer ${last} with loss ${c.loss.name} needs ${expect}`,
      { layer: last, expected: expect, got: [...y.shape] },
    );
  }
  validateTargets(c.loss, y.data, k);
}

/** Forward passes of `batchSize` rows at a time, in inference mode. */
function predictInBatches(internals: ModelInternals, x: Tensor, outputShape: readonly number[], batchSize: number, rng: Rng): Tensor {
  const n = x.shape[0]!;
  const outRow = sizeOf(outputShape);
  const out = new Float32Array(n * outRow);
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    const xb = sliceRows(x, s, e);
    out.set(internals.forward(xb.data, e - s, false, rng), s * outRow);
  }
  return { shape: [n, ...outputShape], data: out };
}

/** Total and trainable parameter counts. */
function countLayerParams(layers: readonly Layer[]): { total: number; trainable: number } {
  let total = 0;
  let trainable = 0;
  for (const l of layers) {
    for (const p of l.params) {
      total += p.value.length;
      if (p.trainable) trainable += p.value.length;
    }
  }
  return { total, trainable };
}

/** Copies `ws` into the layers' parameters in order; SHAPE_MISMATCH when the count or a size differs. */
function setLayerWeights(layers: readonly Layer[], ws: readonly Tensor[]): void {
  const params = layers.flatMap((l) => l.params.map((p) => ({ l, p })));
  if (ws.length !== params.length) {
    throw new SlipwayError('SHAPE_MISMATCH', `setWeights got ${ws.length} tensors but the model has ${params.length}`, {});
  }
  params.forEach(({ l, p }, i) => {
    const w = ws[i]!;
    if (w.data.length !== p.value.length) {
      throw new SlipwayError(
        'SHAPE_MISMATCH',
        `layer ${l.name} ${p.name} has shape ${shapeString(p.shape)} but the given weights have shape ${shapeString(w.shape)}`,
        { layer: l.name },
      );
    }
    p.value.set(w.data);
  });
}
