import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SlipwayError, isSlipwayError } from '../../errors/index.js';
import { writeFileAtomic } from '../../store/index.js';
import type { LayerFile, ModelFile } from '../model-format.js';
import type { Signature, TensorSpec } from '../signature.js';
import { createOnnxGraph } from './onnx-graph.js';
import { convertLayer, toNhwc, type FlowValue } from './onnx-layers.js';
import { OnnxDataType, onnxModelType } from './onnx-schema.js';

/** The ONNX opset the exporter targets (every op it writes has had its current semantics since 13). */
export const ONNX_OPSET = 13;
/** The ONNX IR version written (ONNX 1.10+; onnxruntime ≥ 1.10 reads it). */
export const ONNX_IR_VERSION = 8;

/**
 * Converts a saved model folder (model.json + weights.bin + signature.json, see model-format.ts) to an ONNX
 * ModelProto. The ONNX model takes Keras' NHWC input [N, H, W, C] (N dynamic) and transposes to NCHW inside,
 * so callers feed it exactly what they feed the engine, and it returns the same outputs.
 */
export async function exportOnnx(modelDir: string): Promise<Uint8Array> {
  const { model, weights, signature } = await readModelDir(modelDir);
  return modelFileToOnnx(model, weights, signature, modelDir);
}

/**
 * The in-memory form of `exportOnnx`: a model description and its weights (e.g. from the engine's
 * `modelToFile(model)`) to ONNX bytes, without touching the disk. `source` names the model in errors.
 */
export function modelFileToOnnx(
  model: ModelFile,
  weights: Float32Array,
  signature: Signature = model.signature,
  source = 'model',
): Uint8Array {
  const input = signature.inputs[0];
  const output = signature.outputs[0];
  if (!input || !output || signature.inputs.length !== 1 || signature.outputs.length !== 1) {
    throw new SlipwayError(
      'ONNX_EXPORT_FAILED',
      `${source}: the exporter handles models with one input and one output; fix signature.json`,
      {
        source,
      },
    );
  }
  for (const t of [input, output]) {
    if (t.dtype !== 'FP32') {
      throw new SlipwayError('ONNX_EXPORT_FAILED', `${source}: tensor '${t.name}' is ${t.dtype}; the exporter writes FP32 models only`, {
        source,
      });
    }
  }
  const g = createOnnxGraph([input.name, output.name]);
  let x: FlowValue = { name: input.name, shape: model.inputShape, layout: 'nhwc' };
  for (const layer of model.layers) {
    try {
      x = convertLayer(g, layer, x, weights);
    } catch (e) {
      if (isSlipwayError(e)) throw e;
      throw new SlipwayError('ONNX_EXPORT_FAILED', `converting layer ${layer.name} (${layer.type}) failed: ${(e as Error).message}`, {
        layer: layer.name,
      });
    }
  }
  x = toNhwc(g, x);
  g.node('Identity', [x.name], {}, output.name);

  const proto = {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'slipway',
    producerVersion: '0.1.0',
    docString: `Exported by Slipway from ${model.format} v${model.formatVersion}`,
    graph: {
      name: 'slipway_sequential',
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo(input.name, [-1, ...model.inputShape])],
      output: [valueInfo(output.name, [-1, ...x.shape])],
    },
    metadataProps: signature.classLabels ? [{ key: 'classLabels', value: JSON.stringify(signature.classLabels) }] : [],
  };
  const type = onnxModelType();
  const problem = type.verify(proto);
  if (problem) throw new SlipwayError('ONNX_EXPORT_FAILED', `the ONNX message is malformed (${problem}); this is a bug in the exporter`);
  return type.encode(type.fromObject(proto)).finish();
}

/** Exports `modelDir` to ONNX and writes it to `outFile` atomically; returns the byte count. */
export async function writeOnnx(modelDir: string, outFile: string): Promise<number> {
  const bytes = await exportOnnx(modelDir);
  try {
    writeFileAtomic(outFile, bytes);
  } catch (e) {
    throw new SlipwayError(
      'PATH_NOT_FOUND',
      `cannot write ${outFile}: ${(e as Error).message}; check that its folder exists and is writable`,
      {
        path: outFile,
      },
    );
  }
  return bytes.length;
}

function valueInfo(name: string, dims: readonly number[]): Record<string, unknown> {
  return {
    name,
    type: {
      tensorType: {
        elemType: OnnxDataType.FLOAT,
        shape: { dim: dims.map((d) => (d < 0 ? { dimParam: 'N' } : { dimValue: d })) },
      },
    },
  };
}

async function readModelDir(dir: string): Promise<{ model: ModelFile; weights: Float32Array; signature: Signature }> {
  const read = async (name: string): Promise<Buffer | undefined> => {
    try {
      return await readFile(join(dir, name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new SlipwayError('PATH_NOT_FOUND', `cannot read ${join(dir, name)}: ${(e as Error).message}`, { path: dir });
    }
  };
  const [modelBytes, weightBytes, sigBytes] = await Promise.all([read('model.json'), read('weights.bin'), read('signature.json')]);
  if (!modelBytes) {
    throw new SlipwayError(
      'PATH_NOT_FOUND',
      `${dir} has no model.json; point at a folder written by saveModel (or \`slipway models pull\`)`,
      {
        path: dir,
      },
    );
  }
  const model = parseJson(modelBytes, join(dir, 'model.json')) as ModelFile;
  if (model?.format !== 'slipway-sequential' || !Array.isArray(model.layers) || !Array.isArray(model.inputShape)) {
    throw new SlipwayError('MODEL_INVALID', `${join(dir, 'model.json')} is not a slipway-sequential model file`, { path: dir });
  }
  if (weightBytes && weightBytes.length % 4 !== 0) {
    throw new SlipwayError('MODEL_INVALID', `${join(dir, 'weights.bin')} has ${weightBytes.length} bytes, not a whole number of float32s`, {
      path: dir,
    });
  }
  const weights = new Float32Array(weightBytes ? weightBytes.length / 4 : 0);
  if (weightBytes) {
    const view = new DataView(weightBytes.buffer, weightBytes.byteOffset, weightBytes.length);
    for (let i = 0; i < weights.length; i++) weights[i] = view.getFloat32(i * 4, true);
  }
  const needed = model.layers.some((l: LayerFile) => l.weights?.length > 0);
  if (needed && !weightBytes) throw new SlipwayError('MODEL_INVALID', `${dir} has no weights.bin`, { path: dir });
  const signature = sigBytes ? (parseJson(sigBytes, join(dir, 'signature.json')) as Signature) : model.signature;
  if (!signature || !Array.isArray(signature.inputs) || !Array.isArray(signature.outputs)) {
    throw new SlipwayError('MODEL_INVALID', `${dir}: no usable signature (signature.json or model.json's signature)`, { path: dir });
  }
  return {
    model,
    weights,
    signature: { ...signature, inputs: signature.inputs.map(checkSpec), outputs: signature.outputs.map(checkSpec) },
  };
}

function checkSpec(t: TensorSpec): TensorSpec {
  if (typeof t?.name !== 'string' || t.name === '') throw new SlipwayError('MODEL_INVALID', 'signature tensor without a name');
  return t;
}

function parseJson(buf: Buffer, file: string): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new SlipwayError('MODEL_INVALID', `${file} is not valid JSON: ${(e as Error).message}`, { path: file });
  }
}
