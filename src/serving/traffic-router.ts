import { Counter, type Registry } from 'prom-client';
import { SlipwayError } from '../errors/index.js';
import type { Signature, TensorSpec } from '../engine/signature.js';
import type { ModelRuntime, TensorData } from '../runtime/index.js';

/**
 * How a served model's traffic is split (a deployment's live state, set by the rollout controller): requests for the
 * default route or the stable label go to the canary with probability `weight`%, sticky per request id; the shadow
 * gets a copy of every stable/canary request whose answer is logged but never returned.
 */
export interface TrafficPlan {
  /** The label whose requests are split (the deployment's stable alias, e.g. `production`). */
  readonly stableLabel: string;
  readonly canary?: { readonly version: number; readonly weight: number };
  readonly shadow?: { readonly version: number };
  /** Serve a canary/shadow whose input signature differs from stable's (refused otherwise). */
  readonly allowSignatureChange?: boolean;
}

/** Shadow copies are logged under `REQUEST_ID#shadow` (`#` never appears in a client's request id). */
export const SHADOW_SUFFIX = '#shadow';

/** Who answered a request. */
export type TrafficRole = 'stable' | 'canary' | 'shadow' | 'direct';

/** FNV-1a of the request id → a bucket in [0, 10000): the same id always lands in the same bucket (sticky routing). */
export function stickyBucket(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % 10000;
}

/** True when a request with this id goes to the canary at `weight` percent. */
export function goesToCanary(key: string, weight: number): boolean {
  if (weight <= 0) return false;
  if (weight >= 100) return true;
  return stickyBucket(key) < Math.round(weight * 100);
}

function sameInputs(a: readonly TensorSpec[], b: readonly TensorSpec[]): boolean {
  return (
    a.length === b.length &&
    a.every((t, i) => t.name === b[i]!.name && t.dtype === b[i]!.dtype && t.shape.join(',') === b[i]!.shape.join(','))
  );
}

function describeInputs(s: Signature): string {
  return s.inputs.map((t) => `${t.name}:${t.dtype}[${t.shape.join(',')}]`).join(' ');
}

/** One zero-filled row per input (unknown dims as 1), for a smoke prediction. */
function smokeInputs(sig: Signature): Record<string, TensorData> {
  const out: Record<string, TensorData> = {};
  for (const t of sig.inputs) {
    const shape = t.shape.map((d) => (d < 0 ? 1 : d));
    const n = shape.reduce((a, b) => a * b, 1);
    const data =
      t.dtype === 'FP64'
        ? new Float64Array(n)
        : t.dtype === 'INT64'
          ? new BigInt64Array(n)
          : t.dtype === 'INT32'
            ? new Int32Array(n)
            : t.dtype === 'INT8'
              ? new Int8Array(n)
              : t.dtype === 'INT16'
                ? new Int16Array(n)
                : t.dtype === 'UINT8' || t.dtype === 'BOOL'
                  ? new Uint8Array(n)
                  : new Float32Array(n);
    out[t.name] = { dtype: t.dtype, shape, data };
  }
  return out;
}

/**
 * Checks a newly loaded version before any request reaches it: its input signature must equal the one served now
 * (unless allowed), and one prediction on zeros must succeed and return every declared output. SWAP_REFUSED otherwise,
 * with the reason; the caller keeps serving the old version.
 */
export async function checkBeforeRouting(
  model: string,
  version: number,
  next: { readonly signature: Signature; readonly runtime: ModelRuntime },
  current: { readonly version: number; readonly signature: Signature } | undefined,
  allowSignatureChange = false,
): Promise<void> {
  if (current && !allowSignatureChange && !sameInputs(current.signature.inputs, next.signature.inputs))
    throw new SlipwayError(
      'SWAP_REFUSED',
      `${model}@${version} takes ${describeInputs(next.signature)} but ${model}@${current.version} (served now) takes ${describeInputs(current.signature)}; clients would break, so @${current.version} keeps serving. Set allow_signature_change in the deployment if this is intended`,
      { model, version, current: current.version, reason: 'signature' },
    );
  let outputs: Record<string, TensorData>;
  try {
    outputs = await next.runtime.predict(smokeInputs(next.signature));
  } catch (e) {
    throw new SlipwayError(
      'SWAP_REFUSED',
      `${model}@${version} failed its smoke prediction (${(e as Error).message}); the old version keeps serving`,
      {
        model,
        version,
        reason: 'smoke',
      },
    );
  }
  const missing = next.signature.outputs.filter((o) => !(o.name in outputs)).map((o) => o.name);
  if (missing.length > 0)
    throw new SlipwayError(
      'SWAP_REFUSED',
      `${model}@${version}'s smoke prediction lacks outputs ${missing.join(', ')}; the old version keeps serving`,
      {
        model,
        version,
        reason: 'smoke',
      },
    );
}

/** Per-role request counter, `slipway_routed_requests_total{model,version,role}` (role: stable, canary, shadow, direct). */
export function createRoutingMetrics(registry: Registry): Counter<'model' | 'version' | 'role'> {
  const existing = registry.getSingleMetric('slipway_routed_requests_total');
  if (existing) return existing as Counter<'model' | 'version' | 'role'>;
  return new Counter({
    name: 'slipway_routed_requests_total',
    help: 'Model server predictions by model, version and traffic role (stable, canary, shadow, direct)',
    labelNames: ['model', 'version', 'role'],
    registers: [registry],
  });
}
