import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeOnnx } from '../engine/onnx/export-onnx.js';
import type { DType, Signature, TensorSpec } from '../engine/signature.js';
import { SlipwayError } from '../errors/index.js';
import { readFolderSignature, readOnnxSignature } from '../registry/index.js';
import { APP_JS, INDEX_HTML, MODEL_JS } from './edge-page.js';

/** The onnxruntime-web files the bundle loads: the wasm-only ES module build, its wasm glue and the wasm binary. */
export const ORT_WEB_FILES = ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'] as const;

/** Signature dtypes → onnxruntime-web tensor types. */
const WEB_DTYPE: Partial<Record<DType, string>> = {
  FP32: 'float32',
  FP64: 'float64',
  INT32: 'int32',
  INT64: 'int64',
  INT8: 'int8',
  UINT8: 'uint8',
};

/** What to bundle. */
export interface WebBundleOptions {
  /** A model folder: model.onnx (any ONNX model) or the engine format (exported to ONNX here). */
  readonly modelDir: string;
  readonly outDir: string;
  /** Shown on the page and recorded in manifest.json. */
  readonly name: string;
  readonly version?: number;
}

/** The bundle written: its files with their sizes. */
export interface WebBundle {
  readonly dir: string;
  readonly files: { readonly path: string; readonly bytes: number }[];
  readonly totalBytes: number;
}

/** The folder holding onnxruntime-web's dist files (from the npm package, never a CDN). */
export function ortWebDist(): string {
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve('onnxruntime-web'));
  } catch (e) {
    throw new SlipwayError('FILE_NOT_FOUND', 'onnxruntime-web is not installed; run `npm install onnxruntime-web@1.30.0`', undefined, {
      cause: e,
    });
  }
  const dist = dirname(entry);
  for (const f of ORT_WEB_FILES)
    if (!existsSync(join(dist, f)))
      throw new SlipwayError('FILE_NOT_FOUND', `onnxruntime-web's ${f} is missing from ${dist}; reinstall onnxruntime-web`, { file: f });
  return dist;
}

function webSpec(t: TensorSpec): { name: string; dtype: string; shape: number[] } {
  const dtype = WEB_DTYPE[t.dtype];
  if (!dtype)
    throw new SlipwayError(
      'RUNTIME_UNSUPPORTED',
      `tensor "${t.name}" is ${t.dtype}, which the web bundle cannot feed; export a model with ${Object.keys(WEB_DTYPE).join(', ')} tensors`,
    );
  return { name: t.name, dtype, shape: [...t.shape] };
}

/**
 * Writes a static web bundle of a model: index.html (the page contract of `slipway export --target web`), app.js,
 * model.js (an ES module: load(), predict()), manifest.json, model.onnx and onnxruntime-web's wasm runtime in ort/.
 */
export async function exportWebBundle(opts: WebBundleOptions): Promise<WebBundle> {
  const { modelDir, outDir } = opts;
  if (existsSync(outDir) && readdirSync(outDir).length > 0)
    throw new SlipwayError('USAGE', `${outDir} is not empty; pick a new folder for the bundle (or remove it first)`, { dir: outDir });
  const dist = ortWebDist();
  mkdirSync(join(outDir, 'ort'), { recursive: true });
  const onnxIn = join(modelDir, 'model.onnx');
  const onnxOut = join(outDir, 'model.onnx');
  let signature: Signature;
  if (existsSync(onnxIn)) {
    copyFileSync(onnxIn, onnxOut);
    signature = existsSync(join(modelDir, 'signature.json')) ? readFolderSignature(modelDir) : await readOnnxSignature(onnxIn);
  } else if (existsSync(join(modelDir, 'model.json'))) {
    await writeOnnx(modelDir, onnxOut);
    signature = readFolderSignature(modelDir);
  } else {
    throw new SlipwayError('MODEL_FORMAT_INVALID', `${modelDir} has neither model.onnx nor model.json; give a model folder`, {
      dir: modelDir,
    });
  }
  const input = signature.inputs[0];
  const output = signature.outputs[0];
  if (!input || !output)
    throw new SlipwayError('MODEL_FORMAT_INVALID', `the model in ${modelDir} has no input or no output in its signature`);
  for (const f of ORT_WEB_FILES) copyFileSync(join(dist, f), join(outDir, 'ort', f));
  const manifest = {
    model: opts.name,
    version: opts.version ?? null,
    runtime: { package: 'onnxruntime-web', backend: 'wasm', files: ORT_WEB_FILES.map((f) => `ort/${f}`) },
    input: webSpec(input),
    inputs: signature.inputs.map(webSpec),
    output: webSpec(output),
    classLabels: signature.classLabels ?? null,
  };
  writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(outDir, 'model.js'), MODEL_JS);
  writeFileSync(join(outDir, 'app.js'), APP_JS);
  writeFileSync(join(outDir, 'index.html'), INDEX_HTML);
  const files = ['index.html', 'app.js', 'model.js', 'manifest.json', 'model.onnx', ...ORT_WEB_FILES.map((f) => `ort/${f}`)].map(
    (path) => ({
      path,
      bytes: statSync(join(outDir, path)).size,
    }),
  );
  return { dir: outDir, files, totalBytes: files.reduce((a, f) => a + f.bytes, 0) };
}
