import protobuf from 'protobufjs';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Signature } from '../../src/engine/signature.js';

// The few onnx.proto messages needed to write a graph (field numbers from the published onnx.proto).
const ONNX_PROTO = `
syntax = "proto3";
package onnx;
message AttributeProto { string name = 1; float f = 2; int64 i = 3; int32 type = 20; }
message TensorProto { repeated int64 dims = 1; int32 data_type = 2; repeated float float_data = 4; string name = 8; }
message TensorShapeProto { message Dimension { int64 dim_value = 1; string dim_param = 2; } repeated Dimension dim = 1; }
message TypeProto { message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; } Tensor tensor_type = 1; }
message ValueInfoProto { string name = 1; TypeProto type = 2; }
message NodeProto { repeated string input = 1; repeated string output = 2; string name = 3; string op_type = 4; repeated AttributeProto attribute = 5; }
message GraphProto { repeated NodeProto node = 1; string name = 2; repeated TensorProto initializer = 5; repeated ValueInfoProto input = 11; repeated ValueInfoProto output = 12; }
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
message ModelProto { int64 ir_version = 1; string producer_name = 2; GraphProto graph = 7; repeated OperatorSetIdProto opset_import = 8; }
`;

/** Weights of the tiny classifier: y = softmax(x·W + b), 4 features → 3 classes. */
export const TINY_W = [1, 0, 0, 0, 1, 0, 0, 0, 1, 0.5, 0.5, 0.5];
export const TINY_B = [0, 0, 0];

/** softmax(x·W + b) computed in JS, to check served outputs. */
export function tinyPredict(x: readonly number[]): number[] {
  const z = [0, 1, 2].map((j) => TINY_B[j]! + x.reduce((a, xi, i) => a + xi * TINY_W[i * 3 + j]!, 0));
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/**
 * Bytes of an ONNX model (opset 13): input "x" float [N, 4] → MatMul → Add → Softmax → output "probs" [N, 3].
 * With `nchw`, the input is an image batch [N, 1, 2, 2] flattened first (the shape PyTorch exports take).
 */
export function tinyOnnxBytes(scale = 1, nchw = false): Uint8Array {
  const root = protobuf.parse(ONNX_PROTO, { keepCase: true }).root;
  const Model = root.lookupType('onnx.ModelProto');
  const vi = (name: string, dims: (number | string)[]) => ({
    name,
    type: { tensor_type: { elem_type: 1, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
  });
  const msg = Model.fromObject({
    ir_version: 8,
    producer_name: 'slipway-test',
    opset_import: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny',
      node: [
        ...(nchw
          ? [{ input: ['image'], output: ['x'], name: 'flat', op_type: 'Flatten', attribute: [{ name: 'axis', i: 1, type: 2 }] }]
          : []),
        { input: ['x', 'W'], output: ['xw'], name: 'mm', op_type: 'MatMul' },
        { input: ['xw', 'b'], output: ['z'], name: 'add', op_type: 'Add' },
        { input: ['z'], output: ['probs'], name: 'sm', op_type: 'Softmax', attribute: [{ name: 'axis', i: -1, type: 2 }] },
      ],
      initializer: [
        { name: 'W', dims: [4, 3], data_type: 1, float_data: TINY_W.map((w) => w * scale) },
        { name: 'b', dims: [3], data_type: 1, float_data: TINY_B },
      ],
      input: [nchw ? vi('image', ['N', 1, 2, 2]) : vi('x', ['N', 4])],
      output: [vi('probs', ['N', 3])],
    },
  });
  return Model.encode(msg).finish();
}

/** The tiny classifier's signature (class labels setosa/versicolor/virginica). */
export const TINY_SIGNATURE: Signature = {
  inputs: [{ name: 'x', dtype: 'FP32', shape: [-1, 4] }],
  outputs: [{ name: 'probs', dtype: 'FP32', shape: [-1, 3] }],
  classLabels: ['setosa', 'versicolor', 'virginica'],
};

/** Writes a servable ONNX model folder (model.onnx + signature.json) into `dir`. */
export function writeTinyOnnx(dir: string, opts: { scale?: number; signature?: boolean; nchw?: boolean } = {}): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), tinyOnnxBytes(opts.scale, opts.nchw));
  if (opts.signature !== false && !opts.nchw) writeFileSync(join(dir, 'signature.json'), JSON.stringify(TINY_SIGNATURE));
  return dir;
}
