import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import { addPathToStore, writeFileAtomic, type ObjectStore } from '../store/index.js';
import type { Kernels } from './kernels/kernels.js';
import { layerFromConfig } from './layers/layer-from-config.js';
import type { CompiledConfig, Model } from './model.js';
import type { LayerFile, ModelFile } from './model-format.js';
import { sequential } from './sequential.js';
import type { Signature } from './signature.js';

/** The signature of an engine model: input 'input' FP32 [-1, ...inputShape], output 'output' FP32 [-1, ...outputShape]. */
export function modelSignature(model: Model): Signature {
  const inShape = model.inputShape;
  if (!inShape) throw new SlipwayError('MODEL_NOT_BUILT', 'the model has no input shape yet; build or fit it before saving', {});
  return {
    inputs: [{ name: 'input', dtype: 'FP32', shape: [-1, ...inShape] }],
    outputs: [{ name: 'output', dtype: 'FP32', shape: [-1, ...model.outputShape!] }],
    ...(model.classLabels ? { classLabels: [...model.classLabels] } : {}),
  };
}

/** The model's topology (model.json) and its weights concatenated in layer order (weights.bin). */
export function modelToFile(model: Model): { file: ModelFile; weights: Float32Array } {
  const signature = modelSignature(model);
  let offset = 0;
  const layers: LayerFile[] = model.layers.map((l) => ({
    type: l.type,
    name: l.name,
    config: { ...l.config },
    outputShape: [...l.outputShape],
    weights: l.params.map((p) => {
      const w = { name: p.name, shape: [...p.shape], offset, length: p.value.length };
      offset += p.value.length;
      return w;
    }),
  }));
  const weights = new Float32Array(offset);
  let o = 0;
  for (const l of model.layers) {
    for (const p of l.params) {
      weights.set(p.value, o);
      o += p.value.length;
    }
  }
  const file: ModelFile = {
    format: 'slipway-sequential',
    formatVersion: 1,
    inputShape: [...model.inputShape!],
    layers,
    ...(model.compiled ? { compile: model.compiled as unknown as Record<string, unknown> } : {}),
    signature,
  };
  return { file, weights };
}

/** Rebuilds a model from its model.json content and weights (checked against the layer shapes). */
export function modelFromFile(file: ModelFile, weights: Float32Array, opts: { kernels?: Kernels; source?: string } = {}): Model {
  const src = opts.source ?? 'model.json';
  if (file.format !== 'slipway-sequential' || file.formatVersion !== 1 || !Array.isArray(file.layers) || !Array.isArray(file.inputShape)) {
    throw new SlipwayError('MODEL_INVALID', `${src} is not a slipway-sequential model (format version 1); was it saved by saveModel?`, {
      source: src,
    });
  }
  const layers = file.layers.map((l) => layerFromConfig(l.type, l.config, l.name));
  const model = sequential(layers, { seed: 0, ...(opts.kernels ? { kernels: opts.kernels } : {}) });
  model.build(file.inputShape);
  file.layers.forEach((lf: LayerFile, i: number) => {
    const layer = layers[i]!;
    if (lf.weights.length !== layer.params.length) {
      throw new SlipwayError(
        'MODEL_INVALID',
        `${src}: layer ${lf.name} lists ${lf.weights.length} weights but needs ${layer.params.length}`,
        {},
      );
    }
    lf.weights.forEach((w, j) => {
      const p = layer.params[j]!;
      if (w.length !== p.value.length || w.offset < 0 || w.offset + w.length > weights.length) {
        throw new SlipwayError(
          'MODEL_INVALID',
          `${src}: layer ${lf.name} weight ${w.name} has ${w.length} values at ${w.offset} but the layer needs ${p.value.length} (weights.bin has ${weights.length}); the files do not belong together`,
          {},
        );
      }
      p.value.set(weights.subarray(w.offset, w.offset + w.length));
    });
  });
  if (file.compile) {
    const c = file.compile as unknown as CompiledConfig;
    model.compile({ optimizer: c.optimizer, loss: c.loss, metrics: c.metrics });
  }
  if (file.signature?.classLabels) model.classLabels = [...file.signature.classLabels];
  return model;
}

/** Writes model.json, weights.bin (float32 little-endian) and signature.json into `dir`, each atomically. */
export async function saveModel(model: Model, dir: string): Promise<void> {
  const { file, weights } = modelToFile(model);
  mkdirSync(dir, { recursive: true });
  const bytes = new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength);
  writeFileAtomic(join(dir, 'weights.bin'), bytes);
  writeFileAtomic(join(dir, 'signature.json'), `${JSON.stringify(file.signature, null, 2)}\n`);
  writeFileAtomic(join(dir, 'model.json'), `${JSON.stringify(file, null, 2)}\n`);
}

/** Loads a model folder written by `saveModel`. */
export async function loadModel(dir: string, opts: { kernels?: Kernels } = {}): Promise<Model> {
  const jsonPath = join(dir, 'model.json');
  const binPath = join(dir, 'weights.bin');
  if (!existsSync(jsonPath) || !existsSync(binPath)) {
    throw new SlipwayError('MODEL_INVALID', `${dir} is not a model folder (needs model.json and weights.bin); save one with saveModel`, {
      dir,
    });
  }
  let file: ModelFile;
  try {
    file = JSON.parse(readFileSync(jsonPath, 'utf8')) as ModelFile;
  } catch (e) {
    throw new SlipwayError('MODEL_INVALID', `${jsonPath} is not valid JSON: ${(e as Error).message}`, { path: jsonPath });
  }
  const buf = readFileSync(binPath);
  if (buf.byteLength % 4 !== 0) throw new SlipwayError('MODEL_INVALID', `${binPath} is not a whole number of float32 values`, {});
  const weights = new Float32Array(buf.byteLength / 4);
  new Uint8Array(weights.buffer).set(buf);
  return modelFromFile(file, weights, { ...opts, source: jsonPath });
}

/** Saves the model as one tree in the content-addressed store and returns the tree hash. */
export async function saveModelToStore(model: Model, store: ObjectStore): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-model-'));
  try {
    await saveModel(model, dir);
    return (await addPathToStore(store, dir)).hash;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
