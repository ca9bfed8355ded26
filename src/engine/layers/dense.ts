import { glorotUniform, type Rng } from '../random.js';
import { sizeOf } from '../tensor.js';
import {
  activationBackward,
  applyActivation,
  checkActivation,
  param,
  positiveInt,
  reuse,
  shapeMismatch,
  type ActivationName,
  type Layer,
  type Param,
  type StepContext,
} from './layer.js';

/** Options of `dense` (Keras' Dense). */
export interface DenseOptions {
  units: number;
  activation?: ActivationName;
  useBias?: boolean;
  inputShape?: readonly number[];
  name?: string;
}

/** A fully connected layer over the last axis: y = act(x·W + b), W is [in, units]. */
export function dense(opts: DenseOptions): Layer {
  const units = positiveInt(opts.units, opts.name ?? 'dense', 'units');
  const act = checkActivation(opts.activation, opts.name ?? 'dense');
  const useBias = opts.useBias ?? true;
  let inF = 0;
  let rowsPer = 1;
  let kernel: Param | undefined;
  let bias: Param | undefined;
  let x: Float32Array | undefined;
  let y: Float32Array | undefined;
  let dz: Float32Array | undefined;
  let dx: Float32Array | undefined;
  const layer: Layer = {
    type: 'dense',
    name: opts.name ?? 'dense',
    config: { units, activation: act, useBias },
    ...(opts.inputShape ? { declaredInputShape: [...opts.inputShape] } : {}),
    activation: act,
    inputShape: [],
    outputShape: [],
    params: [],
    build(inputShape: readonly number[], rng: Rng) {
      if (inputShape.length < 1) throw shapeMismatch(layer.name, '[batch, ..., features]', [-1, ...inputShape]);
      inF = inputShape[inputShape.length - 1]!;
      rowsPer = sizeOf(inputShape.slice(0, -1));
      kernel = param('kernel', [inF, units], glorotUniform(inF * units, inF, units, rng));
      layer.params = [kernel];
      if (useBias) {
        bias = param('bias', [units], new Float32Array(units));
        layer.params.push(bias);
      }
      layer.inputShape = [...inputShape];
      layer.outputShape = [...inputShape.slice(0, -1), units];
      return layer.outputShape;
    },
    forward(input: Float32Array, batch: number, ctx: StepContext) {
      const rows = batch * rowsPer;
      x = input;
      y = reuse(y, rows * units);
      ctx.kernels.gemm(false, false, rows, units, inF, input, kernel!.value, y, false);
      applyActivation(ctx.kernels, y, bias?.value ?? null, rows, units, act);
      return y;
    },
    backward(dy, batch, ctx, needInputGrad, pre) {
      const rows = batch * rowsPer;
      let g = dy;
      if (!pre && act !== 'linear') {
        dz = reuse(dz, rows * units);
        activationBackward(ctx.kernels, dy, y!, act, rows, units, dz);
        g = dz;
      }
      const k = ctx.kernels;
      if (ctx.perExample) ctx.perExample.dense(layer, x!, g, batch, rowsPer, inF, units, !!bias);
      else {
        k.gemm(true, false, inF, units, rows, x!, g, kernel!.grad, false);
        if (bias) k.sumRows(g, rows, units, bias.grad);
      }
      if (!needInputGrad) return null;
      dx = reuse(dx, rows * inF);
      k.gemm(false, true, rows, inF, units, g, kernel!.value, dx, false);
      return dx;
    },
  };
  return layer;
}
