import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SlipwayError, toSlipwayError } from '../errors/index.js';
import type { DatasetInput, ParamValue, Run } from '../tracking/index.js';
import { materialiseDatasets } from './dataset-deps.js';
import type { LockStage } from './lock-file.js';
import type { PathHasher } from './path-hasher.js';
import type { PipelineEnv } from './pipeline-env.js';
import { saveRunCache } from './run-cache.js';
import { isInside, type Stage } from './stage-model.js';
import { prepareOutputs, readMetricsFile, saveOutputs } from './stage-outputs.js';
import { runStageProcess, type StageExit } from './stage-process.js';
import { describeReason, type StageFingerprint, type StaleReason } from './stage-state.js';
import { datasetInputsFor, loadTracking } from './stage-tracking.js';

/** The outcome of executing one stage's command. */
export interface StageExecution {
  readonly status: 'ran' | 'failed' | 'killed';
  readonly runId?: string;
  readonly lockEntry?: LockStage;
  readonly error?: { readonly code: string; readonly message: string };
  readonly warnings?: readonly string[];
}

/** Files Slipway itself writes in the workspace root, never blamed on a stage. */
// `slipway/` holds the pointer files that travel with git (dataset and model versions, run cache; see sharing/).
const OWN_FILES = new Set(['slipway.lock', 'slipway.yaml', 'slipway', '.slipway', '.git', 'slipway-report.md', '.repro.lock']);

/**
 * Runs a stage's command as a tracked run (kind `stage`): logs streamed and stored as an artifact, metrics read from
 * its metrics files, outputs checked, stored and recorded in the run cache.
 */
export async function executeStage(
  env: PipelineEnv,
  stage: Stage,
  fp: StageFingerprint,
  hasher: PathHasher,
  opts: {
    signal?: AbortSignal;
    log: (line: string, stream: 'stdout' | 'stderr' | 'info') => void;
    reasons: readonly StaleReason[];
    /** Every path the pipeline declares (outs and deps), for the undeclared-output check. */
    declared: readonly string[];
    /** Stages that ran at the same time as this one (so a new file cannot be blamed on this stage alone). */
    overlapping: () => readonly string[];
  },
): Promise<StageExecution> {
  const tracking = await loadTracking();
  let run: Run | undefined;
  if (tracking) {
    // Dataset deps name their version; a folder dep whose tree equals a dataset version's counts as reading it too.
    const named: DatasetInput[] = fp.deps.flatMap((d) =>
      d.dataset !== undefined && d.version !== undefined ? [{ dataset: d.dataset, version: d.version, treeHash: d.hash }] : [],
    );
    const dirHashes = fp.deps.filter((d) => d.type === 'dir' && d.dataset === undefined).map((d) => d.hash);
    const matched = (await datasetInputsFor(env.db, dirHashes)).filter(
      (m) => !named.some((n) => n.dataset === m.dataset && n.version === m.version),
    );
    run = await tracking.startRun({
      experiment: env.experiment,
      name: stage.name,
      kind: 'stage',
      params: flatParams(fp.params),
      tags: { ...env.tags, 'slipway.stage': stage.name, 'slipway.cache_key': fp.key },
      inputs: [...named, ...matched],
      workspace: env.workspace.root,
      db: env.db,
      store: env.store,
    } as Parameters<typeof tracking.startRun>[0]);
  }
  const logFile = join(
    env.workspace.stateDir,
    'logs',
    'stages',
    `${stage.name.replace(/[^A-Za-z0-9_.@-]/g, '_')}-${run?.id ?? Date.now()}.log`,
  );
  const wdir = join(env.root, stage.wdir);
  const declared = (name: string): boolean => OWN_FILES.has(name) || name.startsWith('.tmp-') || name.startsWith('.repro-lock');
  const before = new Set(safeList(wdir));
  for (const r of opts.reasons) opts.log(`running: ${describeReason(r)}`, 'info');
  let exitCode: number | null = null;
  try {
    let exit: StageExit;
    if (stage.executor !== 'local') {
      // Loaded only here: @kubernetes/client-node is heavy and local pipelines never need it.
      const { runStageOnKubernetes } = await import('./kubernetes-executor.js');
      exit = await runStageOnKubernetes(env, stage, fp, hasher, { signal: opts.signal, log: opts.log, logFile, runId: run?.id });
    } else {
      const datasetEnv = materialiseDatasets(env.store, env.workspace.stateDir, fp.deps);
      for (const [k, v] of Object.entries(datasetEnv)) opts.log(`${k}=${v}`, 'info');
      prepareOutputs(env.root, stage);
      exit = await runStageProcess({
        cmds: stage.cmd,
        cwd: wdir,
        env: {
          ...process.env,
          ...env.stageEnv,
          SLIPWAY_STAGE: stage.name,
          SLIPWAY_WORKSPACE: env.workspace.root,
          ...datasetEnv,
          ...(run ? { SLIPWAY_RUN_ID: run.id, SLIPWAY_PARENT_RUN_ID: run.id } : {}),
        },
        onLine: (line, stream) => opts.log(line, stream),
        logFile,
        signal: opts.signal,
      });
    }
    exitCode = exit.exitCode;
    if (exit.killed) {
      await finish(run, logFile, 'KILLED');
      return { status: 'killed', runId: run?.id, error: { code: 'INTERRUPTED', message: `stage "${stage.name}" was interrupted` } };
    }
    if (exit.exitCode !== 0)
      throw new SlipwayError(
        'STAGE_FAILED',
        `stage "${stage.name}" failed: its command exited with ${exit.exitCode ?? exit.signal}; see ${logFile}`,
        {
          stage: stage.name,
          exitCode: exit.exitCode,
          log: logFile,
        },
      );
    const outs = await saveOutputs(env.store, env.root, stage, hasher);
    const undeclared = safeList(wdir).filter((n) => !before.has(n) && !declared(n) && !coveredBy(stage.wdir, n, opts.declared));
    const others = opts.overlapping();
    const warnings: string[] = [];
    if (undeclared.length > 0 && others.length > 0) {
      // Another stage ran meanwhile and may have written them: warn rather than blame this one.
      warnings.push(
        `undeclared ${undeclared.map((u) => `"${u}"`).join(', ')} appeared while ${[stage.name, ...others].join(', ')} ran; declare it in the outs of the stage that writes it`,
      );
      opts.log(`warning: ${warnings[0]}`, 'info');
    } else if (undeclared.length > 0)
      throw new SlipwayError(
        'OUTPUT_UNDECLARED',
        `stage "${stage.name}" wrote ${undeclared.map((u) => `"${u}"`).join(', ')} in ${stage.wdir === '.' ? 'the workspace root' : stage.wdir}, which no stage declares; add it to the stage's outs (or write it inside a declared output folder)`,
        { stage: stage.name, paths: undeclared },
      );
    if (run) {
      const metrics: Record<string, number> = {};
      for (const o of stage.outs.filter((x) => x.kind === 'metric')) Object.assign(metrics, readMetricsFile(join(env.root, o.path)));
      if (Object.keys(metrics).length > 0) run.logMetrics(metrics);
    }
    const entry: LockStage = { cmd: stage.cmd, key: fp.key, deps: fp.deps, params: fp.params, outs, ...(run ? { run_id: run.id } : {}) };
    if (outs.every((o) => o.cache)) await saveRunCache(env.db, fp.key, stage.name, outs, run?.id ?? null);
    await finish(run, logFile, 'FINISHED', { code: exitCode });
    return { status: 'ran', runId: run?.id, lockEntry: entry, ...(warnings.length ? { warnings } : {}) };
  } catch (e) {
    const err = toSlipwayError(e);
    await finish(run, logFile, 'FAILED', { code: exitCode, error: err.code });
    opts.log(`error[${err.code}]: ${err.message}`, 'info');
    return { status: 'failed', runId: run?.id, error: { code: err.code, message: err.message } };
  }
}

/** True when `name` (new in `wdir`) is, contains or lies in a path the pipeline declares (a sibling stage's output). */
function coveredBy(wdir: string, name: string, declared: readonly string[]): boolean {
  const rel = wdir === '.' ? name : `${wdir}/${name}`;
  return declared.some((p) => isInside(rel, p) || isInside(p, rel));
}

async function finish(
  run: Run | undefined,
  logFile: string,
  status: 'FINISHED' | 'FAILED' | 'KILLED',
  exit?: { code: number | null; error?: string },
): Promise<void> {
  if (!run) return;
  try {
    await run.logArtifact(logFile, 'stage.log');
    const tags: Record<string, string> = {};
    if (exit?.code !== undefined && exit.code !== null) tags['slipway.exit_code'] = String(exit.code);
    if (exit?.error) tags['slipway.error'] = exit.error;
    if (Object.keys(tags).length > 0) await run.setTags(tags);
  } catch {
    /* a missing log must not hide the stage's own outcome */
  }
  await run.end(status);
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function flatParams(params: StageFingerprint['params']): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const values of Object.values(params)) {
    for (const [k, v] of Object.entries(values)) {
      out[k] = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v);
    }
  }
  return out;
}
