import { copyFileSync, constants, existsSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse as parseYaml, stringify } from 'yaml';
import type { Workspace } from '../config/index.js';
import { SlipwayError, toSlipwayError } from '../errors/index.js';
import type { Db } from '../meta/index.js';
import { writeFileAtomic, type ObjectStore } from '../store/index.js';
import { loadPipeline } from './load-pipeline.js';
import { DEFAULT_PARAMS_FILE, getDotted, readParamsFile, setDotted } from './params-file.js';
import { pipelineEnv, type KubernetesAccess } from './pipeline-env.js';
import { repro, type ReproOptions } from './repro.js';
import { pipelineMetrics, usedParams } from './experiment-values.js';

// Kept importable from here (ci-run.ts and older callers read them from this module).
export { pipelineMetrics, usedParams };

/** One pipeline experiment: the pipeline run with overridden params in an isolated copy of the workspace. */
export interface ExperimentRecord {
  readonly name: string;
  readonly status: 'queued' | 'running' | 'succeeded' | 'failed';
  /** `file:key` → value, as given with `-S`. */
  readonly overrides: Readonly<Record<string, unknown>>;
  /** Every param the stages read, with the values the experiment used (`key`, or `file:key` outside params.yaml). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Metrics from the stages' metrics files after the run. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly runIds: readonly string[];
  readonly createdAt: number;
  readonly finishedAt?: number;
  readonly error?: string;
}

/** How experiments run: repro options plus extra environment for stage commands. */
export type ExpRunOptions = Pick<ReproOptions, 'jobs' | 'onLog' | 'signal'> & {
  readonly stageEnv?: Record<string, string>;
  /** Cluster access: kubernetes stages run as Jobs, and a queue whose stages all do runs as one Indexed Job. */
  readonly kubernetes?: KubernetesAccess;
};

/** A parsed `-S [file:]key=value` override. */
export interface ParamOverride {
  readonly file: string;
  readonly key: string;
  readonly value: unknown;
}

/** Parses `train.lr=0.01` or `other.yaml:train.lr=0.01`; the value is read as a YAML scalar (numbers stay numbers). */
export function parseOverride(s: string): ParamOverride {
  const eq = s.indexOf('=');
  if (eq <= 0) throw new SlipwayError('USAGE', `-S expects KEY=VALUE (e.g. -S train.lr=0.01), got "${s}"`);
  const lhs = s.slice(0, eq);
  const colon = lhs.indexOf(':');
  const file = colon > 0 ? lhs.slice(0, colon) : DEFAULT_PARAMS_FILE;
  const key = colon > 0 ? lhs.slice(colon + 1) : lhs;
  const raw = s.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = parseYaml(raw);
  } catch {
    value = raw;
  }
  return { file, key, value: value ?? raw };
}

const expDir = (ws: Workspace): string => join(ws.stateDir, 'exps');
const recordPath = (ws: Workspace, name: string): string => join(expDir(ws), `${name}.json`);

function saveRecord(ws: Workspace, r: ExperimentRecord): void {
  mkdirSync(expDir(ws), { recursive: true });
  writeFileAtomic(recordPath(ws, r.name), JSON.stringify(r, null, 2));
}

/** All experiments of the workspace, newest first. */
export function listExperiments(ws: Workspace): ExperimentRecord[] {
  if (!existsSync(expDir(ws))) return [];
  return readdirSync(expDir(ws))
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(expDir(ws), f), 'utf8')) as ExperimentRecord)
    .sort((a, b) => b.createdAt - a.createdAt);
}

function newRecord(ws: Workspace, overrides: readonly string[], name: string | undefined): ExperimentRecord {
  const expName = name ?? `exp-${randomBytes(3).toString('hex')}`;
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(expName))
    throw new SlipwayError('USAGE', `experiment name "${expName}" may use letters, digits, _ . - only`);
  if (existsSync(recordPath(ws, expName)))
    throw new SlipwayError('USAGE', `an experiment named "${expName}" already exists; pick another --name`, { name: expName });
  const parsed = overrides.map(parseOverride);
  for (const o of parsed) {
    const content = readParamsFile(join(ws.root, o.file));
    if (content === undefined || getDotted(content, o.key) === undefined)
      throw new SlipwayError('PARAM_NOT_FOUND', `-S ${o.key}: "${o.key}" is not in ${o.file}; experiments override existing params only`, {
        key: o.key,
        file: o.file,
      });
  }
  return {
    name: expName,
    status: 'queued',
    overrides: Object.fromEntries(parsed.map((o) => [o.file === DEFAULT_PARAMS_FILE ? o.key : `${o.file}:${o.key}`, o.value])),
    params: {},
    metrics: {},
    runIds: [],
    createdAt: Date.now(),
  };
}

/** Queues an experiment for `runQueuedExperiments`. */
export function queueExperiment(ws: Workspace, overrides: readonly string[], name?: string): ExperimentRecord {
  const r = newRecord(ws, overrides, name);
  saveRecord(ws, r);
  return r;
}

/** Runs an experiment now: copies the workspace, applies the overrides there, reproduces, records params and metrics. */
export async function runExperiment(
  ws: Workspace,
  db: Db,
  store: ObjectStore,
  opts: { overrides: readonly string[]; name?: string } & ExpRunOptions,
): Promise<ExperimentRecord> {
  const r = newRecord(ws, opts.overrides, opts.name);
  saveRecord(ws, r);
  return execute(ws, db, store, r, opts);
}

/** Runs every queued experiment, `jobs` at a time. */
export async function runQueuedExperiments(
  ws: Workspace,
  db: Db,
  store: ObjectStore,
  opts: ExpRunOptions = {},
): Promise<ExperimentRecord[]> {
  const queue = listExperiments(ws)
    .filter((e) => e.status === 'queued')
    .reverse();
  const jobs = Math.max(1, opts.jobs ?? 1);
  if (opts.kubernetes && queue.length > 0) {
    const { queueFitsIndexedJob } = await import('./kubernetes-queue.js');
    if (queueFitsIndexedJob(loadPipeline(ws.root))) return runQueueOnKubernetes(ws, db, store, queue, { ...opts, jobs });
  }
  const perExp = Math.max(1, Math.floor(availableParallelism() / jobs));
  const done: ExperimentRecord[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < queue.length) {
      const rec = queue[next++]!;
      const claim = join(expDir(ws), `${rec.name}.claim`);
      try {
        closeSync(openSync(claim, 'wx')); // another run-all may have taken it
      } catch {
        continue;
      }
      try {
        done.push(await execute(ws, db, store, rec, { ...opts, jobs: perExp }));
      } finally {
        rmSync(claim, { force: true });
      }
    }
  };
  await Promise.all(Array.from({ length: jobs }, lane));
  return done;
}

/** Runs the queue as one Indexed Job (kubernetes-queue.ts): each claimed experiment is one index. */
async function runQueueOnKubernetes(
  ws: Workspace,
  db: Db,
  store: ObjectStore,
  queue: readonly ExperimentRecord[],
  opts: ExpRunOptions,
): Promise<ExperimentRecord[]> {
  const { runCopiesAsIndexedJob } = await import('./kubernetes-queue.js');
  const claimed: { rec: ExperimentRecord; claim: string; root: string }[] = [];
  for (const rec of queue) {
    const claim = join(expDir(ws), `${rec.name}.claim`);
    try {
      closeSync(openSync(claim, 'wx')); // another run-all may have taken it
    } catch {
      continue;
    }
    claimed.push({ rec, claim, root: join(expDir(ws), rec.name) });
  }
  try {
    const copies = claimed.map(({ rec, root }) => {
      rmSync(root, { recursive: true, force: true });
      saveRecord(ws, { ...rec, status: 'running' });
      copyWorkspace(ws.root, root);
      applyOverrides(root, rec.overrides);
      return { name: rec.name, root, pipeline: loadPipeline(root, join(root, 'slipway.yaml')) };
    });
    if (copies.length === 0) return [];
    let outcomes: { ok: boolean; error?: string; runId?: string }[];
    try {
      outcomes = await runCopiesAsIndexedJob(ws, db, store, copies, opts.kubernetes!, opts);
    } catch (e) {
      const error = toSlipwayError(e).message;
      outcomes = copies.map(() => ({ ok: false, error }));
    }
    return copies.map((c, i) => {
      const o = outcomes[i]!;
      const final: ExperimentRecord = {
        ...claimed[i]!.rec,
        status: o.ok ? 'succeeded' : 'failed',
        params: usedParams(c.root, c.pipeline),
        metrics: o.ok ? pipelineMetrics(c.root, c.pipeline) : {},
        runIds: o.runId ? [o.runId] : [],
        finishedAt: Date.now(),
        ...(o.error ? { error: o.error } : {}),
      };
      saveRecord(ws, final);
      return final;
    });
  } finally {
    for (const c of claimed) {
      rmSync(c.root, { recursive: true, force: true });
      rmSync(c.claim, { force: true });
    }
  }
}

async function execute(ws: Workspace, db: Db, store: ObjectStore, rec: ExperimentRecord, opts: ExpRunOptions): Promise<ExperimentRecord> {
  const copy = join(expDir(ws), rec.name);
  rmSync(copy, { recursive: true, force: true });
  saveRecord(ws, { ...rec, status: 'running' });
  const env = pipelineEnv(ws, db, store, {
    root: copy,
    tags: { 'slipway.exp': rec.name },
    stageEnv: opts.stageEnv,
    kubernetes: opts.kubernetes,
  });
  try {
    copyWorkspace(ws.root, copy);
    applyOverrides(copy, rec.overrides);
    const pipeline = loadPipeline(copy, join(copy, 'slipway.yaml'));
    const result = await repro(env, pipeline, { jobs: opts.jobs, signal: opts.signal, onLog: opts.onLog });
    const final: ExperimentRecord = {
      ...rec,
      status: result.ok ? 'succeeded' : 'failed',
      params: usedParams(copy, pipeline),
      metrics: pipelineMetrics(copy, pipeline),
      runIds: result.stages.flatMap((s) => (s.runId ? [s.runId] : [])),
      finishedAt: Date.now(),
      ...(result.ok ? {} : { error: result.stages.find((s) => s.error)?.error?.message ?? 'interrupted' }),
    };
    saveRecord(ws, final);
    return final;
  } catch (e) {
    const final: ExperimentRecord = { ...rec, status: 'failed', finishedAt: Date.now(), error: toSlipwayError(e).message };
    saveRecord(ws, final);
    throw e;
  } finally {
    env.close();
    rmSync(copy, { recursive: true, force: true });
  }
}

/** Copies the workspace's files (not .slipway/ or .git/) into `dest`, by reflink where the filesystem can. */
function copyWorkspace(src: string, dest: string): void {
  mkdirSync(dest, { recursive: true });
  for (const ent of readdirSync(src, { withFileTypes: true })) {
    if (ent.name === '.slipway' || ent.name === '.git' || ent.name === '.repro.lock') continue;
    const s = join(src, ent.name);
    const d = join(dest, ent.name);
    if (ent.isDirectory()) copyWorkspace(s, d);
    else if (ent.isFile()) copyFileSync(s, d, constants.COPYFILE_FICLONE);
  }
}

function applyOverrides(root: string, overrides: Readonly<Record<string, unknown>>): void {
  const byFile = new Map<string, [string, unknown][]>();
  for (const [k, v] of Object.entries(overrides)) {
    const colon = k.indexOf(':');
    const file = colon > 0 ? k.slice(0, colon) : DEFAULT_PARAMS_FILE;
    byFile.set(file, [...(byFile.get(file) ?? []), [colon > 0 ? k.slice(colon + 1) : k, v]]);
  }
  for (const [file, entries] of byFile) {
    const path = join(root, file);
    const content = readParamsFile(path) ?? {};
    for (const [k, v] of entries) setDotted(content, k, v);
    writeFileAtomic(path, file.endsWith('.json') ? JSON.stringify(content, null, 2) : stringify(content));
  }
}
