import { SlipwayError } from '../../errors/index.js';
import type { Conv2dGeometry } from '../kernels/kernels.js';
import { glorotUniform, type Rng } from '../random.js';
import {
  activationBackward,
  applyActivation,
  checkActivation,
  geometryForBatch,
  pair,
  param,
  positiveInt,
  reuse,
  shapeMismatch,
  type ActivationName,
  type Layer,
  type Param,
  type StepContext,
} from './layer.js';

/** Options of `conv2d` (Keras' Conv2D, channels last). */
export interface Conv2dOptions {
  filters: number;
  kernelSize: number | readonly [number, number];
  strides?: number | readonly [number, number];
  padding?: 'valid' | 'same';
  activation?: ActivationName;
  useBias?: boolean;
  inputShape?: readonly number[];
  name?: string;
}

/** Output size and leading pad of one spatial axis ('same' pads as TensorFlow: the extra pixel goes after). */
export function convAxis(inSize: number, k: number, stride: number, padding: 'valid' | 'same'): { out: number; pad: number } {
  if (padding === 'same') {
    const out = Math.ceil(inSize / stride);
    const total = Math.max((out - 1) * stride + k - inSize, 0);
    return { out, pad: Math.floor(total / 2) };
  }
  return { out: Math.floor((inSize - k) / stride) + 1, pad: 0 };
}

/** Checks a padding option. */
export function checkPadding(p: unknown, layer: string): 'valid' | 'same' {
  if (p === undefined || p === 'valid' || p === 'same') return p ?? 'valid';
  throw new SlipwayError('LAYER_INVALID', `${layer}: padding must be 'valid' or 'same', got ${JSON.stringify(p)}`, { layer });
}

/** A 2-D convolution over NHWC images; the kernel is [kh, kw, inC, filters] (Keras' layout). */
export function conv2d(opts: Conv2dOptions): Layer {
  const lname = opts.name ?? 'conv2d';
  const filters = positiveInt(opts.filters, lname, 'filters');
  const [kH, kW] = pair(opts.kernelSize, lname, 'kernelSize');
  const [sH, sW] = pair(opts.strides ?? 1, lname, 'strides');
  const padding = checkPadding(opts.padding, lname);
  const act = checkActivation(opts.activation, lname);
  const useBias = opts.useBias ?? true;
  let geo: Omit<Conv2dGeometry, 'batch'> | undefined;
  let kernel: Param | undefined;
  let bias: Param | undefined;
  let x: Float32Array | undefined;
  let y: Float32Array | undefined;
  let dz: Float32Array | undefined;
  let dx: Float32Array | undefined;
  const withBatch = geometryForBatch();
  const g = (batch: number): Conv2dGeometry => withBatch(geo!, batch);
  const layer: Layer = {
    type: 'conv2d',
    name: lname,
    config: { filters, kernelSize: [kH, kW], strides: [sH, sW], padding, activation: act, useBias },
    ...(opts.inputShape ? { declaredInputShape: [...opts.inputShape] } : {}),
    activation: act,
    inputShape: [],
    outputShape: [],
    params: [],
    build(inputShape: readonly number[], rng: Rng) {
      if (inputShape.length !== 3) throw shapeMismatch(layer.name, '[batch, height, width, channels]', [-1, ...inputShape]);
      const [inH, inW, inC] = inputShape as [number, number, number];
      const h = convAxis(inH, kH, sH, padding);
      const w = convAxis(inW, kW, sW, padding);
      if (h.out < 1 || w.out < 1) {
        throw shapeMismatch(layer.name, `images of at least ${kH}x${kW} pixels (kernel size)`, [-1, ...inputShape]);
      }
      geo = { inH, inW, inC, outH: h.out, outW: w.out, outC: filters, kH, kW, strideH: sH, strideW: sW, padTop: h.pad, padLeft: w.pad };
      const fanIn = kH * kW * inC;
      const fanOut = kH * kW * filters;
      kernel = param('kernel', [kH, kW, inC, filters], glorotUniform(fanIn * filters, fanIn, fanOut, rng));
      layer.params = [kernel];
      if (useBias) {
        bias = param('bias', [filters], new Float32Array(filters));
        layer.params.push(bias);
      }
      layer.inputShape = [...inputShape];
      layer.outputShape = [h.out, w.out, filters];
      return layer.outputShape;
    },
    forward(input: Float32Array, batch: number, ctx: StepContext) {
      const gg = g(batch);
      const rows = batch * gg.outH * gg.outW;
      x = input;
      y = reuse(y, rows * filters);
      const kAct = act === 'softmax' ? 'linear' : act;
      ctx.kernels.conv2dForward(gg, input, kernel!.value, bias?.value ?? null, kAct, y);
      if (act === 'softmax') applyActivation(ctx.kernels, y, null, rows, filters, 'softmax');
      return y;
    },
    backward(dy, batch, ctx, needInputGrad, pre) {
      const gg = g(batch);
      const rows = batch * gg.outH * gg.outW;
      let d = dy;
      if (!pre && act !== 'linear') {
        dz = reuse(dz, rows * filters);
        activationBackward(ctx.kernels, dy, y!, act, rows, filters, dz);
        d = dz;
      }
      if (ctx.perExample) ctx.perExample.conv2d(layer, gg, x!, d, kernel!.value.length, !!bias);
      else ctx.kernels.conv2dBackwardFilter(gg, x!, d, kernel!.grad, bias?.grad ?? null);
      if (!needInputGrad) return null;
      dx = reuse(dx, batch * gg.inH * gg.inW * gg.inC);
      ctx.kernels.conv2dBackwardInput(gg, d, kernel!.value, dx);
      return dx;
    },
  };
  return layer;
}
