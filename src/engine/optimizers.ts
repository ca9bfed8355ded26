import { SlipwayError } from '../errors/index.js';
import type { Kernels } from './kernels/kernels.js';
import type { Param } from './layers/layer.js';

/** Options of `adam` (Keras defaults). */
export interface AdamOptions {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Options of `sgd` (Keras defaults: learning rate 0.01, no momentum). */
export interface SgdOptions {
  learningRate?: number;
  momentum?: number;
  nesterov?: boolean;
}

/** A configured optimizer (plain data, so it saves in model.json and crosses to a worker). */
export type OptimizerConfig =
  | { readonly type: 'adam'; readonly learningRate: number; readonly beta1: number; readonly beta2: number; readonly epsilon: number }
  | { readonly type: 'sgd'; readonly learningRate: number; readonly momentum: number; readonly nesterov: boolean }
  | { readonly type: 'gd'; readonly learningRate: number };

/** Adam (Kingma & Ba) with bias correction. */
export function adam(opts: AdamOptions = {}): OptimizerConfig {
  return {
    type: 'adam',
    learningRate: checkRate(opts.learningRate ?? 0.001),
    beta1: opts.beta1 ?? 0.9,
    beta2: opts.beta2 ?? 0.999,
    epsilon: opts.epsilon ?? 1e-7,
  };
}

/** Stochastic gradient descent with optional (Nesterov) momentum. */
export function sgd(opts: SgdOptions = {}): OptimizerConfig {
  return {
    type: 'sgd',
    learningRate: checkRate(opts.learningRate ?? 0.01),
    momentum: opts.momentum ?? 0,
    nesterov: opts.nesterov ?? false,
  };
}

/** Plain gradient descent over the full batch (`fit` uses the whole training set as one batch). */
export function gd(opts: { learningRate?: number } = {}): OptimizerConfig {
  return { type: 'gd', learningRate: checkRate(opts.learningRate ?? 0.01) };
}

function checkRate(lr: number): number {
  if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr)) {
    throw new SlipwayError('OPTIMIZER_UNKNOWN', `learning rate must be a positive number, got ${JSON.stringify(lr)}`, {
      learningRate: lr,
    });
  }
  return lr;
}

/** Resolves 'adam' | 'sgd' | 'gd' or a config object. */
export function resolveOptimizer(o: string | OptimizerConfig | undefined): OptimizerConfig {
  if (o === undefined) return adam();
  if (typeof o !== 'string') {
    if (o.type === 'adam') return adam(o);
    if (o.type === 'sgd') return sgd(o);
    if (o.type === 'gd') return gd(o);
  }
  const name = String(typeof o === 'string' ? o : (o as { type: unknown }).type).toLowerCase();
  if (name === 'adam') return adam();
  if (name === 'sgd') return sgd();
  if (name === 'gd') return gd();
  throw new SlipwayError('OPTIMIZER_UNKNOWN', `unknown optimizer ${JSON.stringify(name)}; use 'adam', 'sgd' or 'gd'`, { optimizer: name });
}

/** An optimizer with its state (moments, step count), bound to a model's parameters. */
export interface Optimizer {
  readonly config: OptimizerConfig;
  /** Steps taken so far. */
  readonly iterations: number;
  /** Applies one update to every trainable param from its `grad`. */
  step(params: readonly Param[]): void;
}

/**
 * Creates the stateful optimizer. Update rules, per parameter p with gradient g at step t (from 1):
 * - gd / sgd without momentum: p ← p − lr·g
 * - sgd with momentum μ (Keras): v ← μ·v − lr·g; p ← p + v; Nesterov: p ← p + μ·v − lr·g (with the new v)
 * - adam: m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − lr_t · m / (√v + ε), with the bias correction
 *   folded into lr_t = lr·√(1−β2^t)/(1−β1^t) (Kingma & Ba, section 2, the "efficient" form Keras uses).
 */
export function createOptimizer(config: OptimizerConfig, kernels: Kernels): Optimizer {
  const state = new Map<Param, Float32Array[]>();
  let t = 0;
  const slots = (p: Param, n: number): Float32Array[] => {
    let s = state.get(p);
    if (!s) {
      s = Array.from({ length: n }, () => new Float32Array(p.value.length));
      state.set(p, s);
    }
    return s;
  };
  return {
    config,
    get iterations() {
      return t;
    },
    step(params) {
      t++;
      for (const p of params) {
        if (!p.trainable) continue;
        const w = p.value;
        const g = p.grad;
        if (config.type === 'adam') {
          const [m, v] = slots(p, 2) as [Float32Array, Float32Array];
          const lrT = (config.learningRate * Math.sqrt(1 - config.beta2 ** t)) / (1 - config.beta1 ** t);
          kernels.adamStep(w, g, m, v, lrT, config.beta1, config.beta2, config.epsilon);
        } else if (config.type === 'sgd' && config.momentum > 0) {
          const [v] = slots(p, 1) as [Float32Array];
          const mu = config.momentum;
          const lr = config.learningRate;
          for (let i = 0; i < w.length; i++) {
            const vi = mu * v[i]! - lr * g[i]!;
            v[i] = vi;
            w[i] = config.nesterov ? w[i]! + mu * vi - lr * g[i]! : w[i]! + vi;
          }
        } else {
          const lr = config.learningRate;
          for (let i = 0; i < w.length; i++) w[i] = w[i]! - lr * g[i]!;
        }
      }
    },
  };
}
