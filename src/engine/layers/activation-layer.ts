import { activationBackward, applyActivation, checkActivation, reuse, type ActivationName, type Layer } from './layer.js';

/** A standalone activation over the last axis (Keras' Activation layer). */
export function activation(opts: { activation: ActivationName; inputShape?: readonly number[]; name?: string }): Layer {
  const act = checkActivation(opts.activation, opts.name ?? 'activation');
  let cols = 1;
  let y: Float32Array | undefined;
  let dx: Float32Array | undefined;
  const layer: Layer = {
    type: 'activation',
    name: opts.name ?? 'activation',
    config: { activation: act },
    ...(opts.inputShape ? { declaredInputShape: [...opts.inputShape] } : {}),
    activation: act,
    inputShape: [],
    outputShape: [],
    params: [],
    build(inputShape) {
      cols = inputShape[inputShape.length - 1] ?? 1;
      layer.inputShape = [...inputShape];
      layer.outputShape = [...inputShape];
      return layer.outputShape;
    },
    forward(x, _batch, ctx) {
      y = reuse(y, x.length);
      y.set(x);
      applyActivation(ctx.kernels, y, null, x.length / cols, cols, act);
      return y;
    },
    backward(dy, _batch, ctx, need, pre) {
      if (!need) return null;
      if (pre || act === 'linear') return dy;
      dx = reuse(dx, dy.length);
      activationBackward(ctx.kernels, dy, y!, act, dy.length / cols, cols, dx);
      return dx;
    },
  };
  return layer;
}
