import { SlipwayError } from '../../errors/index.js';
import type { LayerFile } from '../model-format.js';
import type { OnnxGraph } from './onnx-graph.js';
import { LAYER_TYPES } from '../layers/layer-from-config.js';

/**
 * The value flowing between layers. `shape` is the Keras shape without the batch dimension (NHWC for images);
 * `layout` says whether the ONNX value currently holds it as NHWC or transposed to NCHW (the layout ONNX's
 * Conv, pooling and BatchNormalization need). Transposes are inserted lazily, only where the layout changes.
 */
export interface FlowValue {
  readonly name: string;
  readonly shape: readonly number[];
  readonly layout: 'nhwc' | 'nchw';
}

/** Layer types the exporter converts: every layer type the engine has. */
export const SUPPORTED_LAYERS: readonly string[] = LAYER_TYPES;

/** Converts one layer, reading its weights from `weights`; returns the layer's output value. */
export function convertLayer(g: OnnxGraph, layer: LayerFile, x: FlowValue, weights: Float32Array): FlowValue {
  switch (layer.type) {
    case 'dense':
      return activation(g, layer, dense(g, layer, x, weights));
    case 'conv2d':
      return activation(g, layer, conv2d(g, layer, x, weights));
    case 'maxPooling2d':
    case 'averagePooling2d':
      return pool(g, layer, x);
    case 'flatten': {
      const v = toNhwc(g, x);
      const size = v.shape.reduce((a, b) => a * b, 1);
      return { name: g.node('Flatten', [v.name], { axis: 1 }), shape: [size], layout: 'nhwc' };
    }
    case 'dropout':
      return x; // identity at inference
    case 'batchNormalization':
      return batchNorm(g, layer, x, weights);
    case 'activation':
      return activation(g, layer, x);
    default:
      throw new SlipwayError(
        'ONNX_EXPORT_FAILED',
        `layer ${layer.name} has type '${layer.type}', which the ONNX exporter cannot convert; supported: ${SUPPORTED_LAYERS.join(', ')}`,
        { layer: layer.name, type: layer.type },
      );
  }
}

/** Transposes an NCHW value back to Keras' NHWC (no-op when already NHWC). */
export function toNhwc(g: OnnxGraph, x: FlowValue): FlowValue {
  if (x.layout === 'nhwc') return x;
  return { name: g.node('Transpose', [x.name], { perm: [0, 2, 3, 1] }), shape: x.shape, layout: 'nhwc' };
}

function toNchw(g: OnnxGraph, x: FlowValue, layer: LayerFile): FlowValue {
  if (x.shape.length !== 3) {
    throw new SlipwayError(
      'ONNX_EXPORT_FAILED',
      `layer ${layer.name} (${layer.type}) needs an [H, W, C] input but gets [${x.shape.join(', ')}]`,
      {
        layer: layer.name,
      },
    );
  }
  if (x.layout === 'nchw') return x;
  return { name: g.node('Transpose', [x.name], { perm: [0, 3, 1, 2] }), shape: x.shape, layout: 'nchw' };
}

function dense(g: OnnxGraph, layer: LayerFile, x: FlowValue, weights: Float32Array): FlowValue {
  const v = toNhwc(g, x);
  const kernel = weight(layer, 'kernel', 0, weights);
  const inDim = v.shape[v.shape.length - 1];
  if (kernel.shape.length !== 2 || kernel.shape[0] !== inDim) {
    throw shapeError(layer, `kernel [${kernel.shape.join(', ')}] does not fit input [${v.shape.join(', ')}]`);
  }
  const units = kernel.shape[1]!;
  let out = g.node('MatMul', [v.name, g.float(`${layer.name}/kernel`, kernel.shape, kernel.data)]);
  if (layer.config.useBias !== false) {
    const bias = weight(layer, 'bias', 1, weights);
    out = g.node('Add', [out, g.float(`${layer.name}/bias`, [units], bias.data)]);
  }
  return { name: out, shape: [...v.shape.slice(0, -1), units], layout: 'nhwc' };
}

function conv2d(g: OnnxGraph, layer: LayerFile, x: FlowValue, weights: Float32Array): FlowValue {
  const v = toNchw(g, x, layer);
  const kernel = weight(layer, 'kernel', 0, weights);
  const [kh, kw, inC, outC] = kernel.shape as [number, number, number, number];
  if (kernel.shape.length !== 4 || inC !== v.shape[2]) {
    throw shapeError(layer, `kernel [${kernel.shape.join(', ')}] does not fit input [${v.shape.join(', ')}]`);
  }
  // Keras kernel [kh, kw, inC, outC] → ONNX W [outC, inC, kh, kw].
  const w = new Float32Array(kernel.data.length);
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++)
      for (let c = 0; c < inC; c++)
        for (let o = 0; o < outC; o++) w[((o * inC + c) * kh + i) * kw + j] = kernel.data[((i * kw + j) * inC + c) * outC + o]!;
  const strides = pair(layer.config.strides, 1);
  const dilations = pair(layer.config.dilationRate, 1);
  const geo = windowGeometry(layer, v.shape, [kh, kw], strides, dilations);
  const inputs = [v.name, g.float(`${layer.name}/kernel`, [outC, inC, kh, kw], w)];
  if (layer.config.useBias !== false) inputs.push(g.float(`${layer.name}/bias`, [outC], weight(layer, 'bias', 1, weights).data));
  const out = g.node('Conv', inputs, { kernel_shape: [kh, kw], strides, dilations, pads: geo.pads, group: 1 });
  return { name: out, shape: [geo.outH, geo.outW, outC], layout: 'nchw' };
}

function pool(g: OnnxGraph, layer: LayerFile, x: FlowValue): FlowValue {
  const v = toNchw(g, x, layer);
  const size = pair(layer.config.poolSize, 2);
  const strides = pair(layer.config.strides ?? layer.config.poolSize, 2);
  const geo = windowGeometry(layer, v.shape, size, strides, [1, 1]);
  // Keras' 'same' average pooling divides by the number of real (unpadded) cells: count_include_pad = 0.
  const attrs: Record<string, number> = layer.type === 'maxPooling2d' ? {} : { count_include_pad: 0 };
  const op = layer.type === 'maxPooling2d' ? 'MaxPool' : 'AveragePool';
  const out = g.node(op, [v.name], { kernel_shape: size, strides, pads: geo.pads, ...attrs });
  return { name: out, shape: [geo.outH, geo.outW, v.shape[2]!], layout: 'nchw' };
}

function batchNorm(g: OnnxGraph, layer: LayerFile, x: FlowValue, weights: Float32Array): FlowValue {
  const axis = layer.config.axis;
  if (axis !== undefined && axis !== -1 && axis !== x.shape.length) {
    throw new SlipwayError(
      'ONNX_EXPORT_FAILED',
      `layer ${layer.name}: batchNormalization over axis ${String(axis)} is not exportable; use axis -1`,
      {
        layer: layer.name,
      },
    );
  }
  const channels = x.shape[x.shape.length - 1]!;
  const eps = typeof layer.config.epsilon === 'number' ? layer.config.epsilon : 1e-3;
  const pick = (key: string, index: number, fill: number): Float32Array => {
    const w = findWeight(layer, key, weights);
    if (w) return w.data;
    if ((key === 'gamma' && layer.config.scale === false) || (key === 'beta' && layer.config.center === false)) {
      return new Float32Array(channels).fill(fill);
    }
    return weight(layer, key, index, weights).data;
  };
  const gamma = pick('gamma', 0, 1);
  const beta = pick('beta', 1, 0);
  const mean = pick('movingMean', 2, 0);
  const variance = pick('movingVariance', 3, 1);
  for (const [n, a] of Object.entries({ gamma, beta, mean, variance })) {
    if (a.length !== channels) throw shapeError(layer, `${n} has ${a.length} values for ${channels} channels`);
  }
  if (x.shape.length === 3 || x.shape.length === 1) {
    const v = x.shape.length === 3 ? toNchw(g, x, layer) : x;
    const ins = [v.name, g.float(`${layer.name}/gamma`, [channels], gamma), g.float(`${layer.name}/beta`, [channels], beta)];
    ins.push(g.float(`${layer.name}/moving_mean`, [channels], mean), g.float(`${layer.name}/moving_variance`, [channels], variance));
    return { name: g.node('BatchNormalization', ins, { epsilon: { float: eps } }), shape: v.shape, layout: v.layout };
  }
  // Other ranks: ONNX normalises axis 1, Keras the last one; fold into a broadcast multiply-add on the last axis.
  const v = toNhwc(g, x);
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = gamma[c]! / Math.sqrt(variance[c]! + eps);
    shift[c] = beta[c]! - mean[c]! * scale[c]!;
  }
  const mul = g.node('Mul', [v.name, g.float(`${layer.name}/scale`, [channels], scale)]);
  return { name: g.node('Add', [mul, g.float(`${layer.name}/shift`, [channels], shift)]), shape: v.shape, layout: 'nhwc' };
}

function activation(g: OnnxGraph, layer: LayerFile, x: FlowValue): FlowValue {
  const act = layer.config.activation;
  if (act === undefined || act === null || act === 'linear') return x;
  const ops: Record<string, string> = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', softmax: 'Softmax' };
  const op = typeof act === 'string' ? ops[act] : undefined;
  if (!op) {
    throw new SlipwayError(
      'ONNX_EXPORT_FAILED',
      `layer ${layer.name} uses activation '${String(act)}', which the ONNX exporter cannot convert; supported: linear, ${Object.keys(ops).join(', ')}`,
      { layer: layer.name },
    );
  }
  // Keras' softmax runs over the channel axis: last in NHWC, 1 in NCHW.
  const attrs = op === 'Softmax' ? { axis: x.layout === 'nchw' ? 1 : -1 } : undefined;
  return { name: g.node(op, [x.name], attrs), shape: x.shape, layout: x.layout };
}

/** Output size and explicit ONNX pads [top, left, bottom, right] for Keras 'valid' / 'same' padding. */
function windowGeometry(
  layer: LayerFile,
  shape: readonly number[],
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
): { outH: number; outW: number; pads: number[] } {
  const padding = layer.config.padding ?? 'valid';
  if (padding !== 'valid' && padding !== 'same') {
    throw new SlipwayError(
      'ONNX_EXPORT_FAILED',
      `layer ${layer.name}: padding '${String(padding)}' is not exportable; use 'valid' or 'same'`,
      {
        layer: layer.name,
      },
    );
  }
  const outs: number[] = [];
  const begin: number[] = [];
  const end: number[] = [];
  for (let d = 0; d < 2; d++) {
    const size = shape[d]!;
    const k = (kernel[d]! - 1) * dilations[d]! + 1;
    const s = strides[d]!;
    if (padding === 'valid') {
      outs.push(Math.floor((size - k) / s) + 1);
      begin.push(0);
      end.push(0);
    } else {
      // TensorFlow's rule: out = ceil(in / stride); the odd padding cell goes at the end.
      const out = Math.ceil(size / s);
      const total = Math.max((out - 1) * s + k - size, 0);
      outs.push(out);
      begin.push(Math.floor(total / 2));
      end.push(total - Math.floor(total / 2));
    }
  }
  const [outH, outW] = outs as [number, number];
  const want = layer.outputShape;
  if (outH < 1 || outW < 1 || (want.length === 3 && (want[0] !== outH || want[1] !== outW))) {
    throw shapeError(layer, `computed output [${outH}, ${outW}] but model.json says [${want.join(', ')}]`);
  }
  return { outH, outW, pads: [...begin, ...end] };
}

function pair(v: unknown, fallback: number): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((n) => Number.isInteger(n) && n > 0)) return [v[0] as number, v[1] as number];
  return [fallback, fallback];
}

type Weight = { shape: readonly number[]; data: Float32Array };

function findWeight(layer: LayerFile, key: string, weights: Float32Array): Weight | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const k = norm(key);
  const w = layer.weights.find((x) => norm(x.name) === k || norm(x.name).endsWith(k));
  return w ? slice(layer, w, weights) : undefined;
}

/** A layer's weight by name (suffix match, e.g. 'dense_1/kernel'), else by position. */
function weight(layer: LayerFile, key: string, index: number, weights: Float32Array): Weight {
  const found = findWeight(layer, key, weights);
  if (found) return found;
  const w = layer.weights[index];
  if (!w) throw new SlipwayError('MODEL_INVALID', `layer ${layer.name} has no '${key}' weight in model.json`, { layer: layer.name });
  return slice(layer, w, weights);
}

function slice(layer: LayerFile, w: LayerFile['weights'][number], weights: Float32Array): Weight {
  const count = w.shape.reduce((a, b) => a * b, 1);
  if (w.length !== count || w.offset < 0 || w.offset + w.length > weights.length) {
    throw new SlipwayError(
      'MODEL_INVALID',
      `layer ${layer.name} weight ${w.name} (shape [${w.shape.join(', ')}], offset ${w.offset}, length ${w.length}) does not fit weights.bin (${weights.length} floats)`,
      { layer: layer.name },
    );
  }
  return { shape: w.shape, data: weights.subarray(w.offset, w.offset + w.length) };
}

function shapeError(layer: LayerFile, detail: string): SlipwayError {
  return new SlipwayError('MODEL_INVALID', `layer ${layer.name} (${layer.type}): ${detail}`, { layer: layer.name });
}
