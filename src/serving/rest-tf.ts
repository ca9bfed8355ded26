import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DType, Signature, TensorSpec } from '../engine/signature.js';
import { SlipwayError } from '../errors/index.js';
import { explainServable } from './rest-explain.js';
import type { VersionSelector } from './model-set.js';
import { classLabel, runPrediction, type ServingContext } from './prediction-pipeline.js';
import type { TensorData } from '../runtime/index.js';
import { checkInputNames, decodeColumn, decodeInstances, identity, toNested } from './tensor-codec.js';
import { NumericArray, toPlain } from './bounded-json.js';

/** Signature dtypes → TF Serving's DataType enum names (REST metadata and gRPC TensorProto). */
export const TF_DTYPE: Readonly<Record<DType, string>> = {
  FP32: 'DT_FLOAT',
  FP64: 'DT_DOUBLE',
  INT8: 'DT_INT8',
  INT16: 'DT_INT16',
  INT32: 'DT_INT32',
  INT64: 'DT_INT64',
  UINT8: 'DT_UINT8',
  BOOL: 'DT_BOOL',
  BYTES: 'DT_STRING',
};

/** TF Serving's DataType name for a signature dtype. */
export function tfDtype(d: DType): string {
  return TF_DTYPE[d];
}

const PATH = /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+)|\/labels\/([^/:]+))?(?:\/(metadata|monitoring))?(?::([A-Za-z]+))?$/;

/** Parsed `/v1/models/...` path. */
export interface TfPath {
  readonly model: string;
  readonly sel: VersionSelector;
  readonly resource: 'status' | 'metadata' | 'monitoring' | 'predict' | 'classify' | 'regress' | 'explain';
}

/** Parses a TF Serving REST path; null when it is not one. */
export function parseTfPath(url: string): TfPath | null {
  const path = url.split('?')[0]!;
  const m = PATH.exec(path);
  if (!m) return null;
  let model: string;
  let label: string | undefined;
  try {
    model = decodeURIComponent(m[1]!);
    label = m[3] === undefined ? undefined : decodeURIComponent(m[3]);
  } catch {
    return null;
  }
  let sel: VersionSelector = {};
  if (m[2] !== undefined) {
    if (!/^\d{1,15}$/.test(m[2]))
      throw new SlipwayError('SERVABLE_NOT_FOUND', `version "${m[2]}" is not a number; use /versions/N or /labels/NAME.`);
    sel = { version: Number(m[2]) };
  } else if (label !== undefined) sel = { label };
  const verb = m[5];
  if (verb !== undefined && m[4] !== undefined) return null;
  const resource = (verb ?? m[4] ?? 'status') as TfPath['resource'];
  if (!['status', 'metadata', 'monitoring', 'predict', 'classify', 'regress', 'explain'].includes(resource)) return null;
  return { model, sel, resource };
}

/** TF Serving's model status body. */
export function tfStatus(ctx: ServingContext, model: string, sel: VersionSelector): unknown {
  const info = ctx.models.describe(model);
  const versions = sel.version !== undefined || sel.label !== undefined ? [ctx.models.get(model, sel).version] : info.versions;
  return {
    model_version_status: versions.map((v) => ({
      version: String(v),
      state: 'AVAILABLE',
      status: { error_code: 'OK', error_message: '' },
    })),
  };
}

function tensorInfo(t: TensorSpec): unknown {
  return {
    dtype: TF_DTYPE[t.dtype],
    tensor_shape: { dim: t.shape.map((d) => ({ size: String(d), name: '' })), unknown_rank: false },
    name: t.name,
  };
}

/** TF Serving's metadata body (signature_def map with serving_default). */
export function tfMetadata(ctx: ServingContext, model: string, sel: VersionSelector): unknown {
  const s = ctx.models.get(model, sel);
  return {
    model_spec: { name: model, signature_name: '', version: String(s.version) },
    metadata: {
      signature_def: {
        signature_def: {
          serving_default: {
            inputs: Object.fromEntries(s.signature.inputs.map((t) => [t.name, tensorInfo(t)])),
            outputs: Object.fromEntries(s.signature.outputs.map((t) => [t.name, tensorInfo(t)])),
            method_name: 'tensorflow/serving/predict',
          },
        },
      },
    },
  };
}

interface PredictBody {
  readonly signature_name?: unknown;
  readonly instances?: unknown;
  readonly inputs?: unknown;
  readonly examples?: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof NumericArray);
}

/** Decodes a TF Serving predict body (row `instances` or columnar `inputs`) against a signature. */
export function decodeTfPredict(body: PredictBody, sig: Signature): { inputs: Record<string, TensorData>; columnar: boolean } {
  if (body.signature_name !== undefined && body.signature_name !== 'serving_default' && body.signature_name !== '') {
    throw new SlipwayError(
      'INPUT_INVALID',
      `signature_name "${String(body.signature_name)}" is not served; the model has "serving_default".`,
    );
  }
  const hasRows = body.instances !== undefined;
  const hasCols = body.inputs !== undefined;
  if (hasRows && hasCols) throw new SlipwayError('INPUT_INVALID', 'the body has both "instances" and "inputs"; send exactly one of them.');
  if (!hasRows && !hasCols)
    throw new SlipwayError('INPUT_MISSING', 'the body needs "instances" (row format) or "inputs" (columnar format).');
  const out: Record<string, TensorData> = {};
  if (hasRows) {
    let inst: unknown = body.instances;
    if (inst instanceof NumericArray) {
      // The whole list parsed as one numeric array: the fast path of single-input models.
      if (sig.inputs.length === 1)
        return { inputs: { [sig.inputs[0]!.name]: decodeInstances(inst, sig.inputs[0]!, identity) }, columnar: false };
      inst = toPlain(inst);
    }
    if (!Array.isArray(inst) || inst.length === 0)
      throw new SlipwayError('INPUT_INVALID', '"instances" must be a non-empty list, one element per example.');
    if (sig.inputs.length === 1 && !isObject(inst[0])) {
      out[sig.inputs[0]!.name] = decodeInstances(inst, sig.inputs[0]!, identity);
    } else {
      inst.forEach((x, i) => {
        if (!isObject(x))
          throw new SlipwayError(
            'INPUT_INVALID',
            `instances[${i}] must be an object of named inputs (the model takes ${sig.inputs.map((t) => t.name).join(', ')}).`,
          );
        checkInputNames(Object.keys(x), sig, `instances[${i}]`);
      });
      for (const spec of sig.inputs) out[spec.name] = decodeInstances(inst, spec, (x) => (x as Record<string, unknown>)[spec.name]);
    }
    return { inputs: out, columnar: false };
  }
  const cols = body.inputs;
  if (isObject(cols)) {
    checkInputNames(Object.keys(cols), sig, 'inputs');
    for (const spec of sig.inputs) out[spec.name] = decodeColumn(cols[spec.name], spec, `inputs.${spec.name}`);
  } else {
    if (sig.inputs.length !== 1)
      throw new SlipwayError(
        'INPUT_INVALID',
        `"inputs" must be an object of named inputs (the model takes ${sig.inputs.map((t) => t.name).join(', ')}).`,
      );
    out[sig.inputs[0]!.name] = decodeColumn(cols, sig.inputs[0]!, 'inputs');
  }
  const rows = new Set(Object.values(out).map((t) => t.shape[0]));
  if (rows.size > 1) throw new SlipwayError('INPUT_INVALID', 'every input in "inputs" must have the same batch size (first dimension).');
  return { inputs: out, columnar: true };
}

/** Encodes outputs in TF Serving's row (`predictions`) or columnar (`outputs`) form. */
export function encodeTfPredict(sig: Signature, outputs: Record<string, TensorData>, columnar: boolean, rows: number): unknown {
  const names = sig.outputs.map((t) => t.name).filter((n) => outputs[n]);
  if (columnar) {
    if (names.length === 1) return { outputs: toNested(outputs[names[0]!]!) };
    return { outputs: Object.fromEntries(names.map((n) => [n, toNested(outputs[n]!)])) };
  }
  if (names.length === 1) return { predictions: toNested(outputs[names[0]!]!, 0, rows) };
  const per = names.map((n) => toNested(outputs[n]!, 0, rows) as unknown[]);
  return { predictions: Array.from({ length: rows }, (_, r) => Object.fromEntries(names.map((n, j) => [n, per[j]![r]]))) };
}

/** Decodes a TF Serving classify body: `examples`, each an object of feature → value (or a bare list for one-input models). */
function decodeClassify(body: PredictBody, sig: Signature): Record<string, TensorData> {
  const ex = body.examples;
  if (!Array.isArray(ex) || ex.length === 0)
    throw new SlipwayError('INPUT_MISSING', 'classify needs "examples": a non-empty list of objects mapping input names to values.');
  if (sig.inputs.length === 1) {
    const spec = sig.inputs[0]!;
    return { [spec.name]: decodeInstances(ex, spec, (x, i) => (isObject(x) ? pickOne(x, spec.name, i) : x)) };
  }
  return decodeTfPredict({ instances: ex }, sig).inputs;
}

function pickOne(x: Record<string, unknown>, name: string, i: number): unknown {
  if (!(name in x)) throw new SlipwayError('INPUT_MISSING', `examples[${i}] has no feature "${name}".`);
  return x[name];
}

/** Sends `{"error": message}` with the error's HTTP status and its code in `x-slipway-error-code`. */
export function sendError(reply: FastifyReply, e: SlipwayError): FastifyReply {
  return reply.code(e.httpStatus).header('x-slipway-error-code', e.code).send({ error: e.message });
}

/** Registers TF Serving REST v1 under /v1/models/*. `monitoring` answers the monitoring resource. */
export function registerTfRest(
  app: FastifyInstance,
  ctx: ServingContext,
  monitoring?: (model: string, req: FastifyRequest) => Promise<unknown>,
): void {
  const handler = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const p = parseTfPath(req.url);
    if (!p)
      throw new SlipwayError(
        'ROUTE_NOT_FOUND',
        `No such TF Serving resource: ${req.method} ${req.url.split('?')[0]}. Use /v1/models/NAME[/versions/N|/labels/L][/metadata|:predict|:classify].`,
      );
    const isGet = req.method === 'GET';
    if (p.resource === 'status' || p.resource === 'metadata' || p.resource === 'monitoring') {
      if (!isGet) throw new SlipwayError('ROUTE_NOT_FOUND', `${p.resource} is read with GET.`);
      if (p.resource === 'status') return tfStatus(ctx, p.model, p.sel);
      if (p.resource === 'metadata') return tfMetadata(ctx, p.model, p.sel);
      ctx.models.describe(p.model);
      if (!monitoring)
        throw new SlipwayError(
          'ROUTE_NOT_FOUND',
          'monitoring is off: this server runs without a workspace database (run slipway serve inside a workspace).',
        );
      return monitoring(p.model, req);
    }
    if (isGet) throw new SlipwayError('ROUTE_NOT_FOUND', `:${p.resource} takes POST.`);
    if (p.resource === 'regress') throw new SlipwayError('INPUT_INVALID', ':regress is not supported; use :predict.');
    const body = req.body;
    if (!isObject(body)) throw new SlipwayError('INPUT_INVALID', 'the body must be a JSON object with "instances" or "inputs".');
    // KServe V1's explain verb (src/explain): attributions for the instances, from the servable the selector picks.
    if (p.resource === 'explain') return ctx.models.use(p.model, p.sel, (sv) => explainServable(sv, body));
    const requestId = reply.getHeader('x-request-id') as string;
    let columnar = false;
    const res = await runPrediction(ctx, {
      model: p.model,
      sel: p.sel,
      protocol: 'rest-tf',
      requestId,
      decode: (sig) => {
        if (p.resource === 'classify') return decodeClassify(body, sig);
        const d = decodeTfPredict(body, sig);
        columnar = d.columnar;
        return d.inputs;
      },
    });
    const sig = res.servable.signature;
    if (p.resource === 'classify') {
      const out = res.outputs[sig.outputs[0]!.name];
      if (!out || out.shape.length !== 2)
        throw new SlipwayError(
          'INPUT_INVALID',
          `model "${p.model}" is not a classifier (its output is not [batch, classes]); use :predict.`,
        );
      const k = out.shape[1]!;
      const d = out.data as ArrayLike<number>;
      const result = Array.from({ length: res.rows }, (_, r) =>
        k === 1
          ? [
              [classLabel(sig, 0), 1 - d[r]!],
              [classLabel(sig, 1), d[r]!],
            ]
          : Array.from({ length: k }, (_, j) => [classLabel(sig, j), d[r * k + j]!]),
      );
      return { result };
    }
    return encodeTfPredict(sig, res.outputs, columnar, res.rows);
  };
  app.get('/v1/models/*', handler);
  app.post('/v1/models/*', handler);
}
