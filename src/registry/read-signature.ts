import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import { DTYPE_OF_ORT_TYPE, type DType, type Signature, type TensorSpec } from '../engine/signature.js';

const DTYPES: readonly DType[] = ['FP32', 'FP64', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'BOOL', 'BYTES'];

/** Checks that a parsed value is a well-formed signature; MODEL_FORMAT_INVALID names what is wrong. */
export function validateSignature(value: unknown, source: string): Signature {
  const bad = (why: string): SlipwayError =>
    new SlipwayError(
      'MODEL_FORMAT_INVALID',
      `${source}: signature is invalid (${why}); it needs inputs and outputs of {name, dtype, shape}`,
      {
        source,
      },
    );
  const s = value as Partial<Signature> | null;
  if (!s || typeof s !== 'object' || !Array.isArray(s.inputs) || !Array.isArray(s.outputs)) throw bad('no inputs/outputs lists');
  if (s.inputs.length === 0 || s.outputs.length === 0) throw bad('inputs and outputs must not be empty');
  const check = (t: TensorSpec): void => {
    if (typeof t?.name !== 'string' || t.name === '') throw bad('a tensor has no name');
    if (!DTYPES.includes(t.dtype)) throw bad(`tensor "${t.name}" has dtype ${String(t.dtype)}`);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= -1)) throw bad(`tensor "${t.name}" has a bad shape`);
  };
  s.inputs.forEach(check);
  s.outputs.forEach(check);
  return s as Signature;
}

/** Reads the signature of a model folder in the engine format (signature.json, else model.json's copy). */
export function readFolderSignature(dir: string): Signature {
  const sigPath = join(dir, 'signature.json');
  const modelPath = join(dir, 'model.json');
  try {
    if (existsSync(sigPath)) return validateSignature(JSON.parse(readFileSync(sigPath, 'utf8')), sigPath);
    if (existsSync(modelPath)) {
      const m = JSON.parse(readFileSync(modelPath, 'utf8')) as { signature?: unknown };
      return validateSignature(m.signature, modelPath);
    }
  } catch (e) {
    if (e instanceof SlipwayError) throw e;
    throw new SlipwayError('MODEL_FORMAT_INVALID', `${dir}: cannot parse the model's JSON (${(e as Error).message})`, { dir });
  }
  throw new SlipwayError('MODEL_FORMAT_INVALID', `${dir} has neither signature.json nor model.json; save the model with saveModel()`, {
    dir,
  });
}

const ORT_TYPES = DTYPE_OF_ORT_TYPE;

interface OrtMeta {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: readonly (number | string)[];
}

/** Reads an ONNX file's signature with onnxruntime-node: names, dtypes and shapes (symbolic dims become -1). */
export async function readOnnxSignature(source: string | Uint8Array): Promise<Signature> {
  const ort = await import('onnxruntime-node');
  const file = typeof source === 'string' ? source : 'ONNX model';
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  try {
    session = typeof source === 'string' ? await ort.InferenceSession.create(source) : await ort.InferenceSession.create(source);
  } catch (e) {
    throw new SlipwayError('MODEL_FORMAT_INVALID', `${file} is not a loadable ONNX model: ${(e as Error).message.split('\n')[0]}`, {
      file,
    });
  }
  try {
    const toSpecs = (names: readonly string[], meta: readonly OrtMeta[] | undefined): TensorSpec[] =>
      names.map((name) => {
        const m = meta?.find((x) => x.name === name);
        if (m && !m.isTensor)
          throw new SlipwayError('MODEL_FORMAT_INVALID', `${file}: "${name}" is not a tensor; only tensor inputs/outputs are supported`, {
            file,
          });
        const dtype = (m?.type && ORT_TYPES[m.type]) || 'FP32';
        const shape = (m?.shape ?? []).map((d) => (typeof d === 'number' && d >= 0 ? d : -1));
        return { name, dtype, shape };
      });
    const s = session as unknown as { inputMetadata?: readonly OrtMeta[]; outputMetadata?: readonly OrtMeta[] };
    return { inputs: toSpecs(session.inputNames, s.inputMetadata), outputs: toSpecs(session.outputNames, s.outputMetadata) };
  } finally {
    await session.release();
  }
}
