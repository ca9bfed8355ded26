import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DType, Signature } from '../engine/signature.js';
import { SlipwayError } from '../errors/index.js';
import type { Servable, VersionSelector } from './model-set.js';
import { requestIdFrom, runPrediction, type ServingContext } from './prediction-pipeline.js';
import type { TensorData } from '../runtime/index.js';
import { checkInputNames, checkShape, flattenNested, NUMERIC_DTYPES, toNumbers, typedFromNumbers } from './tensor-codec.js';

const PATH = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(?:\/(ready|infer))?$/;

/** The platform name /v2 metadata reports for a runtime. */
export function v2Platform(s: Servable): string {
  return s.runtime.format === 'onnx' ? 'onnxruntime_onnx' : 'slipway_engine';
}

/** Open Inference v2 model metadata. */
export function v2Metadata(ctx: ServingContext, model: string, sel: VersionSelector): unknown {
  const s = ctx.models.get(model, sel);
  const info = ctx.models.describe(model);
  return {
    name: model,
    versions: info.versions.map(String),
    platform: v2Platform(s),
    inputs: s.signature.inputs.map((t) => ({ name: t.name, datatype: t.dtype, shape: [...t.shape] })),
    outputs: s.signature.outputs.map((t) => ({ name: t.name, datatype: t.dtype, shape: [...t.shape] })),
  };
}

/** Whether a request datatype may feed an input of `target` (same type, or an integer type into a float input). */
export function datatypeFits(given: DType, target: DType): boolean {
  if (given === target) return true;
  const ints: DType[] = ['INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'BOOL'];
  return (target === 'FP32' || target === 'FP64') && (ints.includes(given) || given === 'FP32' || given === 'FP64');
}

/** One v2 input tensor as sent (REST JSON or decoded gRPC). */
export interface V2Input {
  readonly name: unknown;
  readonly shape: unknown;
  readonly datatype: unknown;
  readonly data: unknown;
}

/** Validates v2 inputs against a signature and builds tensors; every message names the input and the problem. */
export function decodeV2Inputs(inputs: unknown, sig: Signature): Record<string, TensorData> {
  if (!Array.isArray(inputs) || inputs.length === 0)
    throw new SlipwayError('INPUT_MISSING', '"inputs" must be a non-empty list of {name, shape, datatype, data}.');
  const names: string[] = [];
  const out: Record<string, TensorData> = {};
  inputs.forEach((raw: unknown, i) => {
    if (typeof raw !== 'object' || raw === null)
      throw new SlipwayError('INPUT_INVALID', `inputs[${i}] must be an object {name, shape, datatype, data}.`);
    const t = raw as V2Input;
    if (typeof t.name !== 'string') throw new SlipwayError('INPUT_INVALID', `inputs[${i}].name must be a string.`);
    names.push(t.name);
  });
  checkInputNames(names, sig, 'inputs');
  if (new Set(names).size !== names.length) throw new SlipwayError('INPUT_INVALID', 'inputs: an input is given twice.');
  inputs.forEach((raw: V2Input) => {
    const name = raw.name as string;
    const spec = sig.inputs.find((s) => s.name === name)!;
    const where = `input "${name}"`;
    if (typeof raw.datatype !== 'string' || !NUMERIC_DTYPES.includes(raw.datatype as DType)) {
      throw new SlipwayError(
        'INPUT_INVALID',
        `${where}: datatype ${JSON.stringify(raw.datatype)} is not supported; use ${NUMERIC_DTYPES.join(', ')}.`,
      );
    }
    const dt = raw.datatype as DType;
    if (!datatypeFits(dt, spec.dtype))
      throw new SlipwayError('INPUT_INVALID', `${where}: datatype ${dt} does not fit the model's ${spec.dtype}.`);
    if (!Array.isArray(raw.shape) || !raw.shape.every((d) => Number.isInteger(d) && (d as number) >= 0 && (d as number) < 2 ** 31)) {
      throw new SlipwayError('INPUT_INVALID', `${where}: shape must be a list of non-negative integers.`);
    }
    const shape = raw.shape as number[];
    checkShape(shape, spec, where);
    const { values } = flattenNested(raw.data, `${where} data`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (values.length !== n)
      throw new SlipwayError('INPUT_INVALID', `${where}: data has ${values.length} elements but shape [${shape.join(', ')}] needs ${n}.`);
    typedFromNumbers(values, dt, where); // checks the values against the declared datatype
    out[name] = { dtype: spec.dtype, shape, data: typedFromNumbers(values, spec.dtype, where) };
  });
  return out;
}

/** v2 output tensors with flat data. */
export function encodeV2Outputs(
  sig: Signature,
  outputs: Record<string, TensorData>,
  requested?: readonly string[],
): { name: string; datatype: DType; shape: number[]; data: number[] }[] {
  const names = sig.outputs.map((t) => t.name).filter((n) => outputs[n] && (!requested || requested.includes(n)));
  return names.map((n) => {
    const t = outputs[n]!;
    return { name: n, datatype: t.dtype, shape: [...t.shape], data: toNumbers(t.data) };
  });
}

/** Registers the Open Inference Protocol v2 REST routes. */
export function registerV2Rest(app: FastifyInstance, ctx: ServingContext): void {
  app.get('/v2', async () => ({ name: 'slipway', version: ctx.serverVersion, extensions: [] }));
  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_req, reply) => {
    const ready = ctx.models.names().length > 0;
    return reply.code(ready ? 200 : 503).send({ ready });
  });
  const handler = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const m = PATH.exec(req.url.split('?')[0]!);
    if (!m)
      throw new SlipwayError(
        'ROUTE_NOT_FOUND',
        `No such v2 resource: ${req.method} ${req.url.split('?')[0]}. Use /v2/models/NAME[/versions/N][/ready|/infer].`,
      );
    let model: string;
    try {
      model = decodeURIComponent(m[1]!);
    } catch {
      throw new SlipwayError('SERVABLE_NOT_FOUND', 'the model name in the path is not valid URL encoding.');
    }
    if (m[2] !== undefined && !/^\d{1,15}$/.test(m[2])) throw new SlipwayError('SERVABLE_NOT_FOUND', `version "${m[2]}" is not a number.`);
    const sel: VersionSelector = m[2] !== undefined ? { version: Number(m[2]) } : {};
    const what = m[3];
    if (req.method === 'GET') {
      if (what === 'infer') throw new SlipwayError('ROUTE_NOT_FOUND', 'infer takes POST.');
      if (what === 'ready') {
        ctx.models.get(model, sel);
        return { name: model, ready: true };
      }
      return v2Metadata(ctx, model, sel);
    }
    if (what !== 'infer') throw new SlipwayError('ROUTE_NOT_FOUND', `POST goes to /v2/models/${model}/infer.`);
    const body = req.body as Record<string, unknown> | null;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new SlipwayError('INPUT_INVALID', 'the body must be a JSON object with "inputs".');
    // A client-chosen v2 `id` becomes the request id (echoed in the body and header, and joinable by feedback).
    const requestId = typeof body.id === 'string' && body.id ? requestIdFrom(body.id) : (reply.getHeader('x-request-id') as string);
    reply.header('x-request-id', requestId);
    let requested: string[] | undefined;
    if (body.outputs !== undefined) {
      if (
        !Array.isArray(body.outputs) ||
        !body.outputs.every((o: unknown) => typeof o === 'object' && o !== null && typeof (o as { name?: unknown }).name === 'string')
      ) {
        throw new SlipwayError('INPUT_INVALID', '"outputs" must be a list of {name}.');
      }
      requested = (body.outputs as { name: string }[]).map((o) => o.name);
    }
    const res = await runPrediction(ctx, {
      model,
      sel,
      protocol: 'rest-v2',
      requestId,
      decode: (sig) => {
        if (requested)
          for (const r of requested)
            if (!sig.outputs.some((o) => o.name === r))
              throw new SlipwayError('INPUT_INVALID', `requested output "${r}" is not an output of the model.`);
        return decodeV2Inputs(body.inputs, sig);
      },
    });
    return {
      model_name: model,
      model_version: String(res.servable.version),
      id: requestId,
      outputs: encodeV2Outputs(res.servable.signature, res.outputs, requested),
    };
  };
  app.get('/v2/models/*', handler);
  app.post('/v2/models/*', handler);
}
