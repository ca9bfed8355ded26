import { randomFillSync } from 'node:crypto';
import { ulid } from 'ulidx';
import type { Signature } from '../engine/signature.js';
import { SlipwayError, toSlipwayError } from '../errors/index.js';
import type { ModelSet, Servable, VersionSelector } from './model-set.js';
import type { PredictionLog } from '../monitoring/index.js';
import type { TensorData } from '../runtime/index.js';
import { toNested } from './tensor-codec.js';
import { classLabel, predictedClasses } from './predicted-classes.js';
import { mirrorToShadow } from './shadow-mirror.js';

export { classLabel, predictedClasses };
import type { ServerMetrics } from './server-metrics.js';

/** What every protocol handler shares. */
export interface ServingContext {
  readonly models: ModelSet;
  readonly metrics: ServerMetrics;
  readonly log?: PredictionLog;
  /** Version string of the server (for /v2). */
  readonly serverVersion: string;
}

/** The protocol a request came in by (a metrics label). */
export type Protocol = 'rest-tf' | 'rest-v2' | 'grpc-tf' | 'grpc-v2';

/** A prediction request once its protocol is parsed: which model, and how to decode inputs against its signature. */
export interface PredictionRequest {
  readonly model: string;
  readonly sel: VersionSelector;
  readonly protocol: Protocol;
  readonly requestId: string;
  decode(sig: Signature): Record<string, TensorData>;
}

/** A finished prediction. */
export interface PredictionResult {
  readonly servable: Servable;
  readonly outputs: Record<string, TensorData>;
  readonly rows: number;
}

// ulid()'s default source calls randomFillSync once per character (7 % of a serving profile); drawing from a pooled
// buffer keeps the ids unpredictable at a fraction of the cost.
const pool = new Uint32Array(2048);
let poolAt = pool.length;
function pooledRandom(): number {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  return pool[poolAt++]! / 4294967296;
}

/** A fresh request id (ULID), unless the client sent a usable one. */
export function requestIdFrom(given: unknown): string {
  return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : ulid(undefined, pooledRandom);
}

/**
 * Runs one prediction through the served set: selects the version, decodes and validates inputs against its
 * signature, predicts, records metrics and the prediction log. Errors come back as SlipwayErrors.
 */
export async function runPrediction(ctx: ServingContext, req: PredictionRequest): Promise<PredictionResult> {
  const started = process.hrtime.bigint();
  ctx.metrics.inflight.inc();
  let version: number | null = null;
  let code = 200;
  let result: PredictionResult | undefined;
  let decoded: Record<string, TensorData> | undefined;
  try {
    // The request id rides along so a canary split is sticky per id.
    result = await ctx.models.use(req.model, { ...req.sel, requestId: req.requestId }, async (servable) => {
      version = servable.version;
      const inputs = req.decode(servable.signature);
      decoded = inputs;
      const rows = Object.values(inputs)[0]?.shape[0] ?? 0;
      if (rows === 0) throw new SlipwayError('INPUT_INVALID', 'the request has no rows; send at least one instance.');
      const outputs = await servable.predict(inputs);
      return { servable, outputs, rows };
    });
    if (decoded) mirrorToShadow(ctx, req, decoded, result.servable.version);
    return result;
  } catch (e) {
    const err = toSlipwayError(e);
    code = err.httpStatus;
    throw err;
  } finally {
    ctx.metrics.inflight.dec();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const known = version !== null;
    const modelLabel = known ? req.model : '_unknown';
    ctx.metrics.requests.inc({ model: modelLabel, version: known ? String(version) : '', protocol: req.protocol, code: String(code) });
    ctx.metrics.duration.observe({ model: modelLabel, protocol: req.protocol }, seconds);
    if (ctx.log && known) {
      let predicted: string | null = null;
      if (result) {
        const classes = predictedClasses(result.servable.signature, result.outputs);
        if (classes) {
          const labels = classes.map((c) => classLabel(result!.servable.signature, c));
          predicted = labels.length === 1 ? labels[0]! : JSON.stringify(labels);
        }
      }
      ctx.log.record({
        requestId: req.requestId,
        model: req.model,
        version,
        at: Date.now(),
        latencyMs: seconds * 1000,
        status: code,
        predicted,
        inputs: decoded ? nestedOf(decoded) : null,
        outputs: result ? nestedOf(result.outputs) : null,
      });
    }
  }
}

function nestedOf(tensors: Record<string, TensorData>): () => Record<string, unknown> {
  return () => Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, toNested(t)]));
}
