import { SlipwayError } from '../../errors/index.js';
import { param, reuse, type Layer, type Param } from './layer.js';

/** Options of `batchNormalization` (Keras defaults: momentum 0.99, epsilon 1e-3, over the last axis). */
export interface BatchNormalizationOptions {
  momentum?: number;
  epsilon?: number;
  inputShape?: readonly number[];
  name?: string;
}

/**
 * Batch normalization over the last axis. Training normalises with the batch's mean and (biased) variance and
 * moves the running statistics: moving = momentum·moving + (1 − momentum)·batch; inference uses the running ones.
 */
export function batchNormalization(opts: BatchNormalizationOptions = {}): Layer {
  const momentum = opts.momentum ?? 0.99;
  const epsilon = opts.epsilon ?? 1e-3;
  const lname = opts.name ?? 'batch_normalization';
  if (!(momentum >= 0 && momentum < 1) || !(epsilon > 0)) {
    throw new SlipwayError('LAYER_INVALID', `${lname}: momentum must be in [0, 1) and epsilon > 0`, { layer: lname });
  }
  let c = 0;
  let gamma: Param | undefined;
  let beta: Param | undefined;
  let mean: Param | undefined;
  let variance: Param | undefined;
  let xhat: Float32Array | undefined;
  let y: Float32Array | undefined;
  let dx: Float32Array | undefined;
  let invStd = new Float64Array(0);
  const layer: Layer = {
    type: 'batchNormalization',
    name: lname,
    config: { momentum, epsilon },
    ...(opts.inputShape ? { declaredInputShape: [...opts.inputShape] } : {}),
    inputShape: [],
    outputShape: [],
    params: [],
    build(inputShape) {
      c = inputShape[inputShape.length - 1] ?? 1;
      gamma = param('gamma', [c], new Float32Array(c).fill(1));
      beta = param('beta', [c], new Float32Array(c));
      mean = param('movingMean', [c], new Float32Array(c), false);
      variance = param('movingVariance', [c], new Float32Array(c).fill(1), false);
      layer.params = [gamma, beta, mean, variance];
      invStd = new Float64Array(c);
      layer.inputShape = [...inputShape];
      layer.outputShape = [...inputShape];
      return layer.outputShape;
    },
    forward(x, _batch, ctx) {
      const rows = x.length / c;
      y = reuse(y, x.length);
      const g = gamma!.value;
      const b = beta!.value;
      if (!ctx.training) {
        for (let j = 0; j < c; j++) invStd[j] = 1 / Math.sqrt(variance!.value[j]! + epsilon);
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < c; j++) {
            const i = r * c + j;
            y[i] = g[j]! * (x[i]! - mean!.value[j]!) * invStd[j]! + b[j]!;
          }
        }
        return y;
      }
      const mu = new Float64Array(c);
      const vr = new Float64Array(c);
      for (let r = 0; r < rows; r++) for (let j = 0; j < c; j++) mu[j] = mu[j]! + x[r * c + j]!;
      for (let j = 0; j < c; j++) mu[j] = mu[j]! / rows;
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < c; j++) {
          const d = x[r * c + j]! - mu[j]!;
          vr[j] = vr[j]! + d * d;
        }
      }
      xhat = reuse(xhat, x.length);
      for (let j = 0; j < c; j++) {
        vr[j] = vr[j]! / rows;
        invStd[j] = 1 / Math.sqrt(vr[j]! + epsilon);
        mean!.value[j] = momentum * mean!.value[j]! + (1 - momentum) * mu[j]!;
        variance!.value[j] = momentum * variance!.value[j]! + (1 - momentum) * vr[j]!;
      }
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < c; j++) {
          const i = r * c + j;
          const h = (x[i]! - mu[j]!) * invStd[j]!;
          xhat[i] = h;
          y[i] = g[j]! * h + b[j]!;
        }
      }
      return y;
    },
    backward(dy, _batch, _ctx, need) {
      const rows = dy.length / c;
      const sumDy = new Float64Array(c);
      const sumDyXhat = new Float64Array(c);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < c; j++) {
          const i = r * c + j;
          sumDy[j] = sumDy[j]! + dy[i]!;
          sumDyXhat[j] = sumDyXhat[j]! + dy[i]! * xhat![i]!;
        }
      }
      for (let j = 0; j < c; j++) {
        gamma!.grad[j] = sumDyXhat[j]!;
        beta!.grad[j] = sumDy[j]!;
      }
      if (!need) return null;
      // dx = γ/σ · (dy − mean(dy) − x̂ · mean(dy·x̂)), the batch statistics' own gradients included.
      dx = reuse(dx, dy.length);
      const g = gamma!.value;
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < c; j++) {
          const i = r * c + j;
          dx[i] = g[j]! * invStd[j]! * (dy[i]! - sumDy[j]! / rows - (xhat![i]! * sumDyXhat[j]!) / rows);
        }
      }
      return dx;
    },
  };
  return layer;
}
