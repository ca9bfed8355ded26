import { SlipwayError } from '../../errors/index.js';
import type { Conv2dGeometry } from '../kernels/kernels.js';
import { geometryForBatch, pair, reuse, shapeMismatch, type Layer } from './layer.js';

/** Options of `maxPooling2d` / `averagePooling2d` (no padding; strides default to the pool size, as Keras). */
export interface Pooling2dOptions {
  poolSize?: number | readonly [number, number];
  strides?: number | readonly [number, number];
  padding?: 'valid';
  inputShape?: readonly number[];
  name?: string;
}

function pooling(kind: 'max' | 'average', opts: Pooling2dOptions): Layer {
  const type = kind === 'max' ? 'maxPooling2d' : 'averagePooling2d';
  const lname = opts.name ?? type;
  const [pH, pW] = pair(opts.poolSize ?? 2, lname, 'poolSize');
  const [sH, sW] = pair(opts.strides ?? [pH, pW], lname, 'strides');
  if (opts.padding !== undefined && opts.padding !== 'valid') {
    throw new SlipwayError('LAYER_INVALID', `${lname}: only padding 'valid' is supported for pooling`, { layer: lname });
  }
  let geo: Omit<Conv2dGeometry, 'batch'> | undefined;
  const withBatch = geometryForBatch();
  const g = (batch: number): Conv2dGeometry => withBatch(geo!, batch);
  let y: Float32Array | undefined;
  let dx: Float32Array | undefined;
  let argmax: Int32Array | undefined;
  const layer: Layer = {
    type,
    name: lname,
    config: { poolSize: [pH, pW], strides: [sH, sW], padding: 'valid' },
    ...(opts.inputShape ? { declaredInputShape: [...opts.inputShape] } : {}),
    inputShape: [],
    outputShape: [],
    params: [],
    build(inputShape) {
      if (inputShape.length !== 3) throw shapeMismatch(layer.name, '[batch, height, width, channels]', [-1, ...inputShape]);
      const [inH, inW, c] = inputShape as [number, number, number];
      const outH = Math.floor((inH - pH) / sH) + 1;
      const outW = Math.floor((inW - pW) / sW) + 1;
      if (outH < 1 || outW < 1) throw shapeMismatch(layer.name, `images of at least ${pH}x${pW} pixels (pool size)`, [-1, ...inputShape]);
      geo = { inH, inW, inC: c, outH, outW, outC: c, kH: pH, kW: pW, strideH: sH, strideW: sW, padTop: 0, padLeft: 0 };
      layer.inputShape = [...inputShape];
      layer.outputShape = [outH, outW, c];
      return layer.outputShape;
    },
    forward(x, batch, ctx) {
      const gg = g(batch);
      const n = batch * gg.outH * gg.outW * gg.outC;
      y = reuse(y, n);
      if (kind === 'max') {
        if (!argmax || argmax.length !== n) argmax = new Int32Array(n);
        ctx.kernels.maxPool2dForward(gg, x, y, argmax);
      } else ctx.kernels.avgPool2dForward(gg, x, y);
      return y;
    },
    backward(dy, batch, ctx, needInputGrad) {
      if (!needInputGrad) return null;
      const gg = g(batch);
      dx = reuse(dx, batch * gg.inH * gg.inW * gg.inC);
      if (kind === 'max') ctx.kernels.maxPool2dBackward(dy, argmax!, dx);
      else ctx.kernels.avgPool2dBackward(gg, dy, dx);
      return dx;
    },
  };
  return layer;
}

/** Max pooling over NHWC images (Keras' MaxPooling2D). */
export function maxPooling2d(opts: Pooling2dOptions = {}): Layer {
  return pooling('max', opts);
}

/** Average pooling over NHWC images (Keras' AveragePooling2D). */
export function averagePooling2d(opts: Pooling2dOptions = {}): Layer {
  return pooling('average', opts);
}
