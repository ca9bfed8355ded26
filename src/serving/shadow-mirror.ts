import type { PredictionLog } from '../monitoring/index.js';
import type { TensorData } from '../runtime/index.js';
import type { ModelSet, VersionSelector } from './model-set.js';
import { classLabel, predictedClasses } from './predicted-classes.js';
import { SHADOW_SUFFIX } from './traffic-router.js';
import { toNested } from './tensor-codec.js';

/**
 * Sends a copy of an answered request to the model's shadow version, if its traffic plan has one. Runs in the
 * background: the client's answer never waits for it and never sees it. The shadow's answer is logged under
 * `REQUEST_ID#shadow` (version = the shadow's), so analysis can compare it with the stable answer of the same request.
 */
export function mirrorToShadow(
  ctx: { readonly models: Pick<ModelSet, 'plan' | 'use'>; readonly log?: PredictionLog },
  req: { readonly model: string; readonly sel: VersionSelector; readonly requestId: string },
  inputs: Record<string, TensorData>,
  answeredBy: number,
): void {
  const shadow = ctx.models.plan(req.model)?.shadow;
  if (!shadow || shadow.version === answeredBy || req.sel.version !== undefined) return;
  const requestId = `${req.requestId}${SHADOW_SUFFIX}`;
  const started = process.hrtime.bigint();
  void ctx.models
    .use(req.model, { version: shadow.version, requestId }, async (s) => {
      const outputs = await s.predict(inputs);
      if (!ctx.log) return;
      const classes = predictedClasses(s.signature, outputs);
      const labels = classes?.map((c) => classLabel(s.signature, c));
      ctx.log.record({
        requestId,
        model: req.model,
        version: s.version,
        at: Date.now(),
        latencyMs: Number(process.hrtime.bigint() - started) / 1e6,
        status: 200,
        predicted: labels ? (labels.length === 1 ? labels[0]! : JSON.stringify(labels)) : null,
        inputs: null,
        outputs: () => Object.fromEntries(Object.entries(outputs).map(([k, t]) => [k, toNested(t)])),
      });
    })
    .catch((e: unknown) => {
      // A failing shadow is a figure for the analysis, never an error for the client.
      ctx.log?.record({
        requestId,
        model: req.model,
        version: shadow.version,
        at: Date.now(),
        latencyMs: Number(process.hrtime.bigint() - started) / 1e6,
        status: 500,
        predicted: null,
        inputs: null,
        outputs: () => ({ error: (e as Error).message }),
      });
    });
}
