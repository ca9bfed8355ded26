import { OnnxAttributeType, OnnxDataType } from './onnx-schema.js';

/** An attribute value as the exporter writes it: int, float, string or a list of ints. */
export type OnnxAttributeValue = number | string | readonly number[] | { readonly float: number };

/** A plain ONNX node (the NodeProto fields the exporter uses). */
export interface OnnxNode {
  readonly opType: string;
  readonly name: string;
  readonly input: readonly string[];
  readonly output: readonly string[];
  readonly attribute: readonly Record<string, unknown>[];
}

/** A float32 or int64 initializer (TensorProto with raw little-endian data). */
export interface OnnxInitializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: number;
  readonly rawData: Uint8Array;
}

/** Accumulates nodes and initializers; names every intermediate value uniquely. */
export interface OnnxGraph {
  readonly nodes: OnnxNode[];
  readonly initializers: OnnxInitializer[];
  /** Adds a node with one output and returns the output's name. */
  node(opType: string, inputs: readonly string[], attrs?: Record<string, OnnxAttributeValue>, outputName?: string): string;
  /** Adds a float32 constant (little-endian raw data) and returns its name. */
  float(name: string, dims: readonly number[], data: Float32Array): string;
  /** Adds an int64 constant and returns its name. */
  int64(name: string, dims: readonly number[], data: readonly number[]): string;
}

/** Creates an empty graph under construction; `reserved` names (the graph's input and output) are never generated. */
export function createOnnxGraph(reserved: readonly string[] = []): OnnxGraph {
  const used = new Set<string>(reserved);
  let counter = 0;
  const unique = (base: string): string => {
    let name = base;
    while (used.has(name)) name = `${base}_${++counter}`;
    used.add(name);
    return name;
  };
  const graph: OnnxGraph = {
    nodes: [],
    initializers: [],
    node(opType, inputs, attrs = {}, outputName) {
      const out = outputName ?? unique(`${opType.toLowerCase()}_out`);
      used.add(out);
      graph.nodes.push({
        opType,
        name: unique(opType),
        input: inputs,
        output: [out],
        attribute: Object.entries(attrs).map(([name, v]) => encodeAttribute(name, v)),
      });
      return out;
    },
    float(name, dims, data) {
      const n = unique(name);
      const raw = new Uint8Array(data.length * 4);
      const view = new DataView(raw.buffer);
      for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
      graph.initializers.push({ name: n, dims, dataType: OnnxDataType.FLOAT, rawData: raw });
      return n;
    },
    int64(name, dims, data) {
      const n = unique(name);
      const raw = new Uint8Array(data.length * 8);
      const view = new DataView(raw.buffer);
      for (let i = 0; i < data.length; i++) view.setBigInt64(i * 8, BigInt(data[i]!), true);
      graph.initializers.push({ name: n, dims, dataType: OnnxDataType.INT64, rawData: raw });
      return n;
    },
  };
  return graph;
}

function encodeAttribute(name: string, v: OnnxAttributeValue): Record<string, unknown> {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: use { float } for non-integers`);
    return { name, type: OnnxAttributeType.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: OnnxAttributeType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: OnnxAttributeType.INTS, ints: v };
  return { name, type: OnnxAttributeType.FLOAT, f: (v as { float: number }).float };
}
