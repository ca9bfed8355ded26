import type { Message } from 'protobufjs';
import { SlipwayError } from '../../errors/index.js';
import { OnnxAttributeType, OnnxDataType, onnxModelType } from './onnx-schema.js';

/**
 * Post-training static int8 quantisation of an ONNX model, written as QDQ (QuantizeLinear/DequantizeLinear pairs
 * around float ops) so onnxruntime (node and web) fuses Conv/Gemm/MatMul into integer kernels and any ONNX runtime
 * can still run it. Weights: int8, symmetric, per output channel; biases: int32 at scale s_x·s_w; activations:
 * uint8, per tensor, range from running calibration batches (min/max, widened to include 0), as onnxruntime's own
 * quantize_static does by default.
 */

/** One calibration batch: input name → float32 tensor. */
export type CalibrationBatch = Readonly<Record<string, { readonly dims: readonly number[]; readonly data: Float32Array }>>;

/** What quantisation did. */
export interface QuantizeReport {
  readonly bytes: Uint8Array;
  /** Conv/Gemm/MatMul nodes whose weights became int8. */
  readonly quantizedNodes: string[];
  /** Activation tensors given a calibrated uint8 Q/DQ pair. */
  readonly activations: { readonly name: string; readonly min: number; readonly max: number }[];
  readonly calibrationBatches: number;
}

/** Ops the quantiser understands: the three it quantises and the float ops it leaves between Q/DQ pairs. */
const QUANTIZED = new Set(['Conv', 'Gemm', 'MatMul']);
const PASS_THROUGH = new Set([
  'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Softmax', 'LogSoftmax', 'MaxPool', 'AveragePool', 'GlobalAveragePool',
  'Flatten', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Concat', 'Identity', 'Dropout', 'Add', 'Sub', 'Mul',
  'Div', 'BatchNormalization', 'Clip', 'Constant', 'Shape', 'Gather', 'Cast', 'Pad',
]); // prettier-ignore

interface Tensor {
  name: string;
  dims?: number[];
  dataType?: number;
  floatData?: number[];
  rawData?: Uint8Array;
}
interface Attr {
  name: string;
  type?: number;
  i?: number;
  f?: number;
}
interface Node {
  input: string[];
  output: string[];
  name?: string;
  opType: string;
  domain?: string;
  attribute?: Attr[];
}
interface ValueInfo {
  name: string;
  type?: unknown;
}
interface Graph {
  node: Node[];
  initializer?: Tensor[];
  input?: ValueInfo[];
  output?: ValueInfo[];
  valueInfo?: ValueInfo[];
}
interface Model {
  graph: Graph;
  opsetImport?: { domain?: string; version?: number }[];
  producerName?: string;
}

function decode(bytes: Uint8Array): Model {
  const type = onnxModelType();
  let msg: Message;
  try {
    msg = type.decode(bytes);
  } catch (e) {
    throw new SlipwayError('MODEL_INVALID', `the model is not a readable ONNX file: ${(e as Error).message}`, {
      why: (e as Error).message,
    });
  }
  const m = type.toObject(msg, { longs: Number, arrays: true }) as Model;
  if (!m.graph) throw new SlipwayError('MODEL_INVALID', 'the ONNX file has no graph', { why: 'no graph' });
  return m;
}

function encode(m: Model): Uint8Array {
  const type = onnxModelType();
  return type.encode(type.fromObject(m as unknown as Record<string, unknown>)).finish();
}

function floats(t: Tensor): Float32Array {
  if (t.dataType !== OnnxDataType.FLOAT) throw new Error(`initializer ${t.name} is not float32`);
  if (t.rawData && t.rawData.length > 0) return new Float32Array(new Uint8Array(t.rawData).buffer.slice(0));
  return Float32Array.from(t.floatData ?? []);
}

const raw = (a: Int8Array | Uint8Array | Int32Array | Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function attrInt(n: Node, name: string, def: number): number {
  const a = n.attribute?.find((x) => x.name === name);
  return a?.i ?? def;
}

/** The ops of `bytes` that the quantiser cannot handle (non-default domains, control flow, anything unknown). */
export function unsupportedOps(m: Model): string[] {
  const bad = new Set<string>();
  for (const n of m.graph.node) {
    const domain = n.domain ?? '';
    if ((domain !== '' && domain !== 'ai.onnx') || !(QUANTIZED.has(n.opType) || PASS_THROUGH.has(n.opType)))
      bad.add(domain && domain !== 'ai.onnx' ? `${domain}.${n.opType}` : n.opType);
  }
  return [...bad];
}

/** Runs `model` over the calibration batches and returns min/max of each named tensor. */
async function calibrate(
  m: Model,
  tensors: readonly string[],
  batches: Iterable<CalibrationBatch> | AsyncIterable<CalibrationBatch>,
): Promise<{ ranges: Map<string, [number, number]>; count: number }> {
  const ort = await import('onnxruntime-node');
  const probe: Model = { ...m, graph: { ...m.graph, output: [...(m.graph.output ?? [])] } };
  const outputs = new Set((m.graph.output ?? []).map((o) => o.name));
  for (const t of tensors)
    if (!outputs.has(t)) probe.graph.output!.push({ name: t, type: { tensorType: { elemType: OnnxDataType.FLOAT } } });
  const session = await ort.InferenceSession.create(encode(probe), { graphOptimizationLevel: 'disabled' });
  const ranges = new Map<string, [number, number]>(tensors.map((t) => [t, [0, 0]]));
  let count = 0;
  try {
    for await (const batch of batches) {
      const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
      for (const [name, t] of Object.entries(batch)) feeds[name] = new ort.Tensor('float32', t.data, [...t.dims]);
      const res = await session.run(feeds, [...tensors]);
      for (const t of tensors) {
        const d = res[t]!.data as Float32Array;
        const r = ranges.get(t)!;
        for (let i = 0; i < d.length; i++) {
          const v = d[i]!;
          if (v < r[0]) r[0] = v;
          else if (v > r[1]) r[1] = v;
        }
      }
      count++;
    }
  } finally {
    await session.release();
  }
  if (count === 0) throw new SlipwayError('USAGE', 'quantisation needs at least one calibration batch');
  return { ranges, count };
}

/**
 * Quantises an fp32 ONNX model to int8 QDQ, calibrated on `batches` (a few hundred representative samples are
 * enough). Throws QUANTIZE_UNSUPPORTED naming the ops it cannot handle.
 */
export async function quantizeOnnx(
  bytes: Uint8Array,
  batches: Iterable<CalibrationBatch> | AsyncIterable<CalibrationBatch>,
): Promise<QuantizeReport> {
  const m = decode(bytes);
  const bad = unsupportedOps(m);
  if (bad.length > 0)
    throw new SlipwayError(
      'QUANTIZE_UNSUPPORTED',
      `the model has op(s) ${bad.join(', ')} that int8 quantisation does not handle; quantise a model of Conv/Gemm/MatMul and common float ops`,
      { ops: bad.join(', ') },
    );
  const opset = (m.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0;
  if (opset < 13)
    throw new SlipwayError(
      'QUANTIZE_UNSUPPORTED',
      `the model uses opset ${opset}; per-channel int8 needs opset 13 or later (re-export it)`,
      {
        ops: `opset ${opset}`,
      },
    );
  const g = m.graph;
  const inits = new Map((g.initializer ?? []).map((t) => [t.name, t]));
  const consumers = new Map<string, Node[]>();
  for (const n of g.node) for (const i of n.input) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const graphOutputs = new Set((g.output ?? []).map((o) => o.name));

  // Which nodes and activation tensors get quantised.
  const targets = g.node.filter((n) => QUANTIZED.has(n.opType) && inits.has(n.input[1] ?? '') && !inits.has(n.input[0] ?? ''));
  const acts: string[] = [];
  const addAct = (t: string): void => {
    if (!graphOutputs.has(t) && !inits.has(t) && !acts.includes(t)) acts.push(t);
  };
  for (const n of targets) {
    addAct(n.input[0]!);
    // Quantising after a following Relu (its range starts at 0) lets onnxruntime drop the Relu into the fused kernel.
    const next = consumers.get(n.output[0]!) ?? [];
    addAct(next.length === 1 && next[0]!.opType === 'Relu' ? next[0]!.output[0]! : n.output[0]!);
  }
  const { ranges, count } = await calibrate(m, acts, batches);

  const newInits: Tensor[] = [];
  const scalar = (
    name: string,
    dataType: number,
    data: Float32Array | Uint8Array | Int8Array | Int32Array,
    dims: number[] = [],
  ): string => {
    newInits.push({ name, dims, dataType, rawData: raw(data) });
    return name;
  };
  const actScale = new Map<string, number>();
  const qdq: { after: string; nodes: Node[] }[] = [];
  for (const t of acts) {
    const [lo, hi] = ranges.get(t)!;
    const scale = hi - lo > 0 ? (hi - lo) / 255 : 1;
    const zp = Math.min(255, Math.max(0, Math.round(-lo / scale)));
    actScale.set(t, scale);
    const s = scalar(`${t}_scale`, OnnxDataType.FLOAT, Float32Array.of(scale));
    const z = scalar(`${t}_zero_point`, OnnxDataType.UINT8, Uint8Array.of(zp));
    for (const c of consumers.get(t) ?? []) c.input = c.input.map((i) => (i === t ? `${t}_dequantized` : i));
    qdq.push({
      after: t,
      nodes: [
        { opType: 'QuantizeLinear', name: `${t}_QuantizeLinear`, input: [t, s, z], output: [`${t}_quantized`] },
        { opType: 'DequantizeLinear', name: `${t}_DequantizeLinear`, input: [`${t}_quantized`, s, z], output: [`${t}_dequantized`] },
      ],
    });
  }

  // Weights (int8 per channel) and biases (int32 at s_x·s_w), each dequantised by a DequantizeLinear node.
  const dropped = new Set<string>();
  const weightNodes: Node[] = [];
  for (const n of targets) {
    const wName = n.input[1]!;
    const w = inits.get(wName)!;
    const dims = (w.dims ?? []).map(Number);
    const axis = n.opType === 'Conv' ? 0 : n.opType === 'Gemm' && attrInt(n, 'transB', 0) === 1 ? 0 : 1;
    if (dims.length < 2 || (n.opType !== 'Conv' && dims.length !== 2)) continue;
    const data = floats(w);
    const channels = dims[axis]!;
    const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const amax = new Float32Array(channels);
    for (let i = 0; i < data.length; i++) {
      const c = Math.floor(i / inner) % channels;
      amax[c] = Math.max(amax[c]!, Math.abs(data[i]!));
    }
    const scales = Float32Array.from(amax, (a) => (a > 0 ? a / 127 : 1));
    const q = new Int8Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const c = Math.floor(i / inner) % channels;
      q[i] = Math.max(-127, Math.min(127, Math.round(data[i]! / scales[c]!)));
    }
    const base = wName;
    scalar(`${base}_quantized`, OnnxDataType.INT8, q, dims);
    scalar(`${base}_scale`, OnnxDataType.FLOAT, scales, [channels]);
    scalar(`${base}_zero_point`, OnnxDataType.INT8, new Int8Array(channels), [channels]);
    const axisAttr: Attr = { name: 'axis', type: OnnxAttributeType.INT, i: axis };
    weightNodes.push({
      opType: 'DequantizeLinear',
      name: `${base}_DequantizeLinear`,
      input: [`${base}_quantized`, `${base}_scale`, `${base}_zero_point`],
      output: [`${base}_dequantized`],
      attribute: [axisAttr],
    });
    n.input[1] = `${base}_dequantized`;
    dropped.add(wName);
    const bName = n.input[2];
    const xScale = actScale.get(n.input[0]!.replace(/_dequantized$/, ''));
    const b = bName ? inits.get(bName) : undefined;
    if (
      bName &&
      b &&
      xScale !== undefined &&
      (b.dims ?? []).length === 1 &&
      Number(b.dims![0]) === channels &&
      (n.opType === 'Conv' || axis === 0)
    ) {
      const bias = floats(b);
      const bScales = Float32Array.from(scales, (s) => s * xScale);
      const bq = Int32Array.from(bias, (v, c) => Math.round(v / bScales[c]!));
      scalar(`${bName}_quantized`, OnnxDataType.INT32, bq, [channels]);
      scalar(`${bName}_scale`, OnnxDataType.FLOAT, bScales, [channels]);
      scalar(`${bName}_zero_point`, OnnxDataType.INT32, new Int32Array(channels), [channels]);
      weightNodes.push({
        opType: 'DequantizeLinear',
        name: `${bName}_DequantizeLinear`,
        input: [`${bName}_quantized`, `${bName}_scale`, `${bName}_zero_point`],
        output: [`${bName}_dequantized`],
        attribute: [{ name: 'axis', type: OnnxAttributeType.INT, i: 0 }],
      });
      n.input[2] = `${bName}_dequantized`;
      dropped.add(bName);
    }
  }

  // Node order: weight dequantisers first, activation Q/DQ right after the node (or graph input) producing the tensor.
  const ordered: Node[] = [...weightNodes];
  const pending = new Map(qdq.map((x) => [x.after, x.nodes]));
  const flush = (t: string): void => {
    const nodes = pending.get(t);
    if (nodes) {
      ordered.push(...nodes);
      pending.delete(t);
    }
  };
  for (const i of g.input ?? []) flush(i.name);
  for (const n of g.node) {
    ordered.push(n);
    for (const o of n.output) flush(o);
  }
  const stillUsed = new Set(ordered.flatMap((n) => n.input));
  g.node = ordered;
  g.initializer = [...(g.initializer ?? []).filter((t) => !dropped.has(t.name) || stillUsed.has(t.name)), ...newInits];
  g.input = (g.input ?? []).filter((i) => !dropped.has(i.name) || stillUsed.has(i.name));
  m.producerName = `${m.producerName ?? ''}+slipway-quantize`.replace(/^\+/, '');
  return {
    bytes: encode(m),
    quantizedNodes: targets.map((n) => n.name ?? n.opType),
    activations: acts.map((name) => ({ name, min: ranges.get(name)![0], max: ranges.get(name)![1] })),
    calibrationBatches: count,
  };
}
