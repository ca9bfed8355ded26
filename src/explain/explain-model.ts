import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel, tensor, type Model } from '../engine/index.js';
import { SlipwayError } from '../errors/index.js';
import { loadModelRuntime, type ModelRuntime } from '../runtime/index.js';
import { integratedGradients, type Attributions } from './integrated-gradients.js';
import { kernelShap, type BatchPredict } from './kernel-shap.js';

/** `integrated_gradients` (engine models only) or `kernel_shap` (any model, ONNX included). */
export type ExplainMethod = 'integrated_gradients' | 'kernel_shap';

/** Options of `explainModel`. */
export interface ExplainOptions {
  /** Default: integrated gradients for engine models, KernelSHAP otherwise. */
  readonly method?: ExplainMethod | undefined;
  /** The output explained (default: each row's predicted class). */
  readonly target?: number | undefined;
  /** Reference input, one row (default zeros). */
  readonly baseline?: Float32Array | undefined;
  /** Integrated-gradients steps (default 50). */
  readonly steps?: number | undefined;
  /** KernelSHAP coalitions (default 2048) and seed (default 0). */
  readonly samples?: number | undefined;
  readonly seed?: number | undefined;
  /** Names of the input features (CSV columns); default `x[i]` for tables, pixels are unnamed. */
  readonly featureNames?: readonly string[] | undefined;
}

/** One row's explanation, as JSON. */
export interface Explanation {
  readonly method: ExplainMethod;
  readonly target: number;
  /** The class label of `target`, when the signature names classes. */
  readonly label: string | null;
  readonly output: readonly number[];
  readonly value: number;
  readonly baselineValue: number;
  readonly completenessGap: number;
  /** Shape of one input row (e.g. [28, 28, 1] or [30]). */
  readonly shape: readonly number[];
  readonly attributions: number[];
  /** Tabular rows: each feature with its value and attribution, largest |attribution| first. */
  readonly features: { name: string; value: number; attribution: number }[] | null;
}

/** A loaded model that can be explained: the engine model itself, or any runtime through `predict`. */
export interface ExplainableModel {
  readonly format: 'slipway' | 'onnx';
  readonly rowShape: readonly number[];
  readonly classLabels: readonly string[] | undefined;
  readonly engine: Model | null;
  readonly predict: BatchPredict;
  close(): Promise<void>;
}

/** Loads a model folder (model.json + weights.bin, or model.onnx) for explaining. */
export async function loadExplainable(dir: string): Promise<ExplainableModel> {
  if (existsSync(join(dir, 'model.json'))) {
    const model = await loadModel(dir);
    const rowShape = model.inputShape ?? [];
    return {
      format: 'slipway',
      rowShape,
      classLabels: model.classLabels,
      engine: model,
      predict: async (rows, n) => model.predict(tensor(rows, [n, ...rowShape])).data,
      close: async () => undefined,
    };
  }
  return fromRuntime(await loadModelRuntime(dir));
}

/** Wraps a runtime (ONNX or engine) so KernelSHAP can call it on batches. */
export function fromRuntime(rt: ModelRuntime): ExplainableModel {
  const input = rt.signature.inputs[0];
  const output = rt.signature.outputs[0];
  if (!input || !output || rt.signature.inputs.length !== 1)
    throw new SlipwayError('EXPLAIN_UNSUPPORTED', 'explanations need a model with one input tensor and at least one output', {});
  const rowShape = input.shape.slice(1).map((d) => (d < 0 ? 1 : d));
  return {
    format: rt.format,
    rowShape,
    classLabels: rt.signature.classLabels,
    engine: null,
    predict: async (rows, n) => {
      const out = await rt.predict({ [input.name]: { dtype: 'FP32', shape: [n, ...rowShape], data: rows } });
      const t = out[output.name] ?? Object.values(out)[0];
      if (!t) throw new SlipwayError('EXPLAIN_UNSUPPORTED', 'the model returned no output', {});
      return t.data instanceof BigInt64Array ? Float32Array.from(t.data, Number) : Float32Array.from(t.data);
    },
    close: () => rt.close(),
  };
}

/** Feature groups for KernelSHAP on images: 4×4 patches (49 on a 28×28 digit), single features otherwise. */
export function patchGroups(shape: readonly number[], patch = 4): Int32Array | undefined {
  const size = shape.reduce((a, b) => a * b, 1);
  if (shape.length < 2 || size <= 64) return undefined;
  const [h, w] = [shape[0]!, shape[1]!];
  const c = size / (h * w);
  const gw = Math.ceil(w / patch);
  return Int32Array.from({ length: size }, (_, i) => {
    const p = Math.floor(i / c);
    return Math.floor(Math.floor(p / w) / patch) * gw + Math.floor((p % w) / patch);
  });
}

/** Explains each row of `rows` (n × features): integrated gradients through the engine, or KernelSHAP through predict. */
export async function explainModel(m: ExplainableModel, rows: Float32Array, n: number, opts: ExplainOptions = {}): Promise<Explanation[]> {
  const f = m.rowShape.reduce((a, b) => a * b, 1);
  if (rows.length !== n * f)
    throw new SlipwayError(
      'EXPLAIN_INVALID',
      `the model takes rows of ${f} values (shape [${m.rowShape.join(', ')}]); got ${rows.length / Math.max(1, n)}`,
      {
        shape: [...m.rowShape],
      },
    );
  const method = opts.method ?? (m.engine ? 'integrated_gradients' : 'kernel_shap');
  if (method === 'integrated_gradients' && !m.engine)
    throw new SlipwayError(
      'EXPLAIN_UNSUPPORTED',
      `integrated gradients need the engine's gradients; this is an ${m.format} model: use --method kernel_shap`,
      {},
    );
  const tabular = m.rowShape.length === 1;
  const out: Explanation[] = [];
  for (let r = 0; r < n; r++) {
    const x = rows.slice(r * f, (r + 1) * f);
    const a: Attributions =
      method === 'integrated_gradients'
        ? integratedGradients(m.engine!, x, opts)
        : await kernelShap(m.predict, x, { ...opts, groups: patchGroups(m.rowShape) });
    const names = opts.featureNames ?? Array.from({ length: f }, (_, i) => `x[${i}]`);
    out.push({
      method,
      target: a.target,
      label: m.classLabels?.[a.target] ?? null,
      output: a.output,
      value: a.value,
      baselineValue: a.baselineValue,
      completenessGap: a.completenessGap,
      shape: [...m.rowShape],
      attributions: Array.from(a.attributions),
      features: tabular
        ? Array.from(a.attributions, (v, i) => ({ name: names[i] ?? `x[${i}]`, value: x[i]!, attribution: v })).sort(
            (p, q) => Math.abs(q.attribution) - Math.abs(p.attribution),
          )
        : null,
    });
  }
  return out;
}
