import { resolve } from 'node:path';
import { loadSettings } from '../config/index.js';
import { SlipwayError } from '../errors/index.js';
import type { MetricRow, TrackingBackend } from './backend.js';
import { codeVersion } from './code-version.js';
import { environmentInfo } from './environment.js';
import { httpBackend } from './http-backend.js';
import { artifactName, localBackend, openLocalBackend } from './local-backend.js';
import { validateMetric } from './run-repository.js';
import type { Db } from '../meta/index.js';
import type { ObjectStore } from '../store/index.js';
import type { DatasetInput, ParamValue, Run, RunStatus } from './types.js';

/** Options for `startRun`. */
export interface StartRunOptions {
  readonly experiment: string;
  readonly name?: string;
  readonly params?: Readonly<Record<string, ParamValue>>;
  readonly tags?: Readonly<Record<string, string>>;
  /** 'run' (default), 'stage' for pipeline stages, 'train', 'eval', 'gate'. */
  readonly kind?: string;
  readonly parentRunId?: string;
  readonly inputs?: readonly DatasetInput[];
  /** Workspace folder (default: found from cwd). Ignored when tracking goes to a server. */
  readonly workspace?: string;
  /** Control-plane URL; default from SLIPWAY_TRACKING_URI. */
  readonly trackingUri?: string;
  /** An open database and store to log into (e.g. a pipeline in the same process); the SDK then neither opens nor closes them. */
  readonly db?: Db;
  readonly store?: ObjectStore;
  /** An explicit backend (wins over everything above). */
  readonly backend?: TrackingBackend;
  /** Buffered metric points are flushed after this many ms (default 500) … */
  readonly flushIntervalMs?: number;
  /** … or as soon as this many are buffered (default 10,000). */
  readonly flushSize?: number;
}

const DEFAULT_FLUSH_MS = 500;
const DEFAULT_FLUSH_POINTS = 10_000;

/** Params are stored as text: numbers and booleans by their canonical string. */
export function paramStrings(params: Readonly<Record<string, ParamValue>> | undefined): Record<string, string> | undefined {
  if (!params) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      throw new SlipwayError('BAD_REQUEST', `param "${k}" must be a string, number or boolean (got ${typeof v})`, { key: k });
    out[k] = String(v);
  }
  return out;
}

/** Picks the backend: one given, a server when a tracking URI is set (option or SLIPWAY_TRACKING_URI), else the local workspace. */
export async function resolveBackend(opts: StartRunOptions): Promise<{ backend: TrackingBackend; owned: boolean }> {
  if (opts.backend) return { backend: opts.backend, owned: false };
  if (opts.db && opts.store) return { backend: localBackend(opts.db, opts.store), owned: false };
  const settings = loadSettings();
  const uri = opts.trackingUri ?? settings.trackingUri;
  if (uri) return { backend: httpBackend(uri, { token: settings.token }), owned: true };
  return { backend: await openLocalBackend(opts.workspace ?? process.cwd(), settings), owned: true };
}

/** Starts a run: records code version, environment, params and tags, and returns a handle whose metric logging is batched. */
export async function startRun(opts: StartRunOptions): Promise<Run> {
  const { backend, owned } = await resolveBackend(opts);
  const dir = resolve(opts.workspace ?? process.cwd());
  try {
    const [code, env] = await Promise.all([codeVersion(dir), Promise.resolve(environmentInfo(dir))]);
    const created = await backend.createRun({
      experiment: opts.experiment,
      name: opts.name,
      kind: opts.kind,
      // Inside a pipeline stage the executor names the stage run: a training script's run nests under it.
      parentRunId: opts.parentRunId ?? loadSettings().parentRunId,
      params: paramStrings(opts.params),
      tags: opts.tags,
      inputs: opts.inputs,
      code,
      env,
    });
    return liveRun(created.id, created.experiment, backend, owned, opts);
  } catch (e) {
    if (owned) await backend.close().catch(() => undefined);
    throw e;
  }
}

function liveRun(id: string, experiment: string, backend: TrackingBackend, owned: boolean, opts: StartRunOptions): Run {
  const flushMs = opts.flushIntervalMs ?? DEFAULT_FLUSH_MS;
  const flushPoints = opts.flushSize ?? DEFAULT_FLUSH_POINTS;
  let buffer: MetricRow[] = [];
  const steps = new Map<string, number>();
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown = null;
  let timer: NodeJS.Timeout | null = null;
  let ended = false;

  const drain = (): Promise<void> => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (buffer.length === 0) return chain;
    const batch = buffer;
    buffer = [];
    // Flushes run one after another so points reach the backend in the order they were logged.
    chain = chain
      .then(() => backend.logBatch(id, { metrics: batch }))
      .catch((e: unknown) => {
        failure ??= e;
      });
    return chain;
  };
  const schedule = (): void => {
    if (buffer.length >= flushPoints) void drain();
    else if (!timer) {
      timer = setTimeout(() => void drain(), flushMs);
      timer.unref();
    }
  };
  const onBeforeExit = (): void => {
    if (buffer.length) void drain();
  };
  process.on('beforeExit', onBeforeExit);
  const live = (): void => {
    if (ended) throw new SlipwayError('RUN_ENDED', `run ${id} has ended; start a new run to log more`, { runId: id });
  };
  const raise = (): void => {
    if (failure) {
      const e = failure;
      failure = null;
      throw e;
    }
  };
  const push = (key: string, value: number, step: number | undefined): void => {
    const s = step ?? steps.get(key) ?? 0;
    steps.set(key, s + 1);
    const row: MetricRow = { key, value, step: s, timestamp: Date.now() };
    validateMetric(row);
    buffer.push(row);
  };

  const run: Run = {
    id,
    experiment,
    async logParams(params) {
      live();
      await backend.logBatch(id, { params: paramStrings(params) });
    },
    logMetric(key, value, step) {
      live();
      push(key, value, step);
      schedule();
    },
    logMetrics(values, step) {
      live();
      for (const [k, v] of Object.entries(values)) push(k, v, step);
      schedule();
    },
    async logArtifact(path, name) {
      live();
      const a = await backend.logArtifact(id, path, name ?? artifactName(path));
      return { hash: a.hash, size: a.size };
    },
    async logInput(input) {
      live();
      await backend.logInput(id, input);
    },
    async setTags(tags) {
      live();
      await backend.logBatch(id, { tags });
    },
    async flush() {
      await drain();
      raise();
    },
    async end(status: Exclude<RunStatus, 'RUNNING'> = 'FINISHED') {
      live();
      ended = true;
      process.off('beforeExit', onBeforeExit);
      try {
        await drain();
        const err = failure;
        failure = null;
        // A run whose points could not all be written is not a success.
        await backend.endRun(id, err && status === 'FINISHED' ? 'FAILED' : status);
        if (err) throw err;
      } finally {
        if (owned) await backend.close();
      }
    },
  };
  return run;
}
