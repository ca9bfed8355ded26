import { SlipwayError } from '../../errors/index.js';
import { reuse, type Layer } from './layer.js';

/** Inverted dropout: while training, zeroes a fraction `rate` of values and scales the rest by 1/(1-rate). */
export function dropout(opts: { rate: number; inputShape?: readonly number[]; name?: string }): Layer {
  const rate = opts.rate;
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
    throw new SlipwayError('LAYER_INVALID', `${opts.name ?? 'dropout'}: rate must be in [0, 1), got ${JSON.stringify(rate)}`, {
      layer: opts.name ?? 'dropout',
    });
  }
  let mask: Float32Array | undefined;
  let y: Float32Array | undefined;
  let dx: Float32Array | undefined;
  let active = false;
  const layer: Layer = {
    type: 'dropout',
    name: opts.name ?? 'dropout',
    config: { rate },
    ...(opts.inputShape ? { declaredInputShape: [...opts.inputShape] } : {}),
    inputShape: [],
    outputShape: [],
    params: [],
    build(inputShape) {
      layer.inputShape = [...inputShape];
      layer.outputShape = [...inputShape];
      return layer.outputShape;
    },
    forward(x, _batch, ctx) {
      active = ctx.training && rate > 0;
      if (!active) return x;
      mask = reuse(mask, x.length);
      y = reuse(y, x.length);
      const scale = 1 / (1 - rate);
      for (let i = 0; i < x.length; i++) {
        const m = ctx.rng.next() >= rate ? scale : 0;
        mask[i] = m;
        y[i] = x[i]! * m;
      }
      return y;
    },
    backward(dy, _batch, _ctx, need) {
      if (!need) return null;
      if (!active) return dy;
      dx = reuse(dx, dy.length);
      for (let i = 0; i < dy.length; i++) dx[i] = dy[i]! * mask![i]!;
      return dx;
    },
  };
  return layer;
}
