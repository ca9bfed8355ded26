import { SlipwayError } from '../errors/index.js';
import { explainModel, fromRuntime, loadExplainable, type ExplainMethod } from '../explain/index.js';
import type { Servable } from './model-set.js';

function flatten(v: unknown, out: number[]): void {
  if (typeof v === 'number' && Number.isFinite(v)) out.push(v);
  else if (Array.isArray(v)) for (const x of v) flatten(x, out);
  else throw new SlipwayError('INPUT_INVALID', '"instances" must hold finite numbers only.');
}

const opt = (body: Record<string, unknown>, key: string): number | undefined => {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new SlipwayError('INPUT_INVALID', `"${key}" must be a non-negative integer.`);
  return v;
};

/**
 * KServe V1 `:explain`: `{"instances": [...], "method"?: "integrated_gradients" | "kernel_shap", "target"?,
 * "steps"?, "samples"?, "seed"?}` → `{"explanations": [...]}`. Engine models get integrated gradients from their
 * folder (the served checkout); any other runtime KernelSHAP through its own predict.
 */
export async function explainServable(
  s: Servable,
  body: Record<string, unknown>,
): Promise<{ model: string; version: number; explanations: unknown[] }> {
  if (!Array.isArray(body.instances) || body.instances.length === 0)
    throw new SlipwayError('INPUT_INVALID', 'the body needs "instances": a list of input rows to explain.');
  const method = body.method;
  if (method !== undefined && method !== 'integrated_gradients' && method !== 'kernel_shap')
    throw new SlipwayError('INPUT_INVALID', '"method" is integrated_gradients or kernel_shap.');
  const m = s.format === 'slipway' && s.dir !== undefined ? await loadExplainable(s.dir) : fromRuntime(s.runtime);
  try {
    const size = m.rowShape.reduce((a, b) => a * b, 1);
    const flat: number[] = [];
    flatten(body.instances, flat);
    if (flat.length % size !== 0)
      throw new SlipwayError(
        'INPUT_INVALID',
        `each instance must hold ${size} numbers (shape [${m.rowShape.join(', ')}]); got ${flat.length} in all.`,
      );
    const explanations = await explainModel(m, Float32Array.from(flat), flat.length / size, {
      method: method as ExplainMethod | undefined,
      target: opt(body, 'target'),
      steps: opt(body, 'steps'),
      samples: opt(body, 'samples'),
      seed: opt(body, 'seed'),
    });
    return { model: s.name, version: s.version, explanations };
  } finally {
    await m.close();
  }
}
