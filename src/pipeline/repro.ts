import { availableParallelism } from 'node:os';
import { SlipwayError, toSlipwayError } from '../errors/index.js';
import { readLock, writeLock, type LockFile, type LockStage } from './lock-file.js';
import { openPathHasher, type PathHasher } from './path-hasher.js';
import type { PipelineEnv } from './pipeline-env.js';
import type { Pipeline } from './load-pipeline.js';
import { acquireReproLock } from './repro-lock.js';
import { decideStage } from './decide-stage.js';
import { fingerprint, type StaleReason } from './stage-state.js';
import { restoreOutputs } from './stage-outputs.js';
import { executeStage } from './execute-stage.js';

/** What happened to one stage in a `repro`. */
export interface StageResult {
  readonly stage: string;
  readonly status: 'up_to_date' | 'frozen' | 'restored' | 'ran' | 'failed' | 'skipped' | 'killed' | 'would_run' | 'would_restore';
  readonly reasons: readonly StaleReason[];
  readonly runId?: string;
  readonly error?: { readonly code: string; readonly message: string };
  readonly warnings?: readonly string[];
  readonly startedAt: number;
  readonly endedAt: number;
}

/** The outcome of `repro`: ok when no stage failed and nothing was interrupted. */
export interface ReproResult {
  readonly ok: boolean;
  readonly interrupted: boolean;
  readonly stages: readonly StageResult[];
}

/** Options of `repro`. */
export interface ReproOptions {
  /** Stages to bring up to date (with their upstream); default all. `name` also selects `name@…` expansions. */
  readonly targets?: readonly string[];
  /** Stages running at once (default: CPU count). */
  readonly jobs?: number;
  /** Run even when up to date, and do not restore from the run cache. */
  readonly force?: boolean;
  /** Say what would run; change nothing. */
  readonly dryRun?: boolean;
  /** Wait this long for another `repro` on the same workspace (default: refuse at once). */
  readonly waitMs?: number;
  /** Aborting kills the running stages' process groups; completed stages stay recorded. */
  readonly signal?: AbortSignal;
  /** Every log line: stage output and Slipway's own notes (`info`). */
  readonly onLog?: (stage: string, line: string, stream: 'stdout' | 'stderr' | 'info') => void;
}

/** Selects `targets` and everything upstream of them, in topological order. */
export function selectStages(pipeline: Pipeline, targets: readonly string[] | undefined): string[] {
  if (!targets || targets.length === 0) return [...pipeline.order];
  const wanted = new Set<string>();
  const add = (n: string): void => {
    if (wanted.has(n)) return;
    wanted.add(n);
    for (const u of pipeline.upstream.get(n) ?? []) add(u);
  };
  for (const t of targets) {
    const matches = pipeline.order.filter((n) => n === t || n.startsWith(`${t}@`));
    if (matches.length === 0)
      throw new SlipwayError('STAGE_NOT_FOUND', `no stage "${t}" in slipway.yaml (stages: ${pipeline.order.join(', ') || 'none'})`, {
        stage: t,
      });
    matches.forEach(add);
  }
  return pipeline.order.filter((n) => wanted.has(n));
}

/**
 * Brings stages up to date: dependency order, independent stages in parallel (up to `jobs`), outputs restored from the
 * run cache when an identical execution happened before. A failing stage skips its dependents; the others finish.
 * The lock is rewritten atomically after each stage, so an interruption leaves it consistent.
 */
export async function repro(env: PipelineEnv, pipeline: Pipeline, opts: ReproOptions = {}): Promise<ReproResult> {
  const selected = selectStages(pipeline, opts.targets);
  const log = opts.onLog ?? (() => undefined);
  const hasher = openPathHasher(env.root, env.statCache, env.dirCachePath);
  if (opts.dryRun) {
    try {
      return await dryRun(env, pipeline, selected, hasher, opts, log);
    } finally {
      hasher.save();
    }
  }
  const lockHandle = await acquireReproLock(env.reproLockPath, { waitMs: opts.waitMs, command: 'repro' });
  try {
    let lock: LockFile = readLock(env.lockPath, env.lockCachePath);
    const record = (stage: string, entry: LockStage): void => {
      const stages: Record<string, LockStage> = {};
      for (const [k, v] of Object.entries(lock.stages)) if (pipeline.stages.has(k)) stages[k] = v;
      stages[stage] = entry;
      lock = { schema: '1', stages };
      writeLock(env.lockPath, lock);
    };
    const ctx: ReproContext = { env, pipeline, hasher, record, opts, log };
    const results = new Map<string, StageResult>();
    const jobs = Math.max(1, opts.jobs ?? availableParallelism());
    const running = new Map<string, Promise<void>>();
    const overlaps = new Map<string, Set<string>>();
    const pending = [...selected];
    const bad = new Set(['failed', 'skipped', 'killed']);
    while (pending.length > 0 || running.size > 0) {
      for (let i = 0; i < pending.length && running.size < jobs;) {
        const name = pending[i]!;
        const ups = (pipeline.upstream.get(name) ?? []).filter((u) => selected.includes(u));
        const failedUp = ups.find((u) => bad.has(results.get(u)?.status ?? ''));
        if (opts.signal?.aborted || failedUp) {
          pending.splice(i, 1);
          const now = Date.now();
          const why = failedUp ? `upstream stage ${failedUp} ${results.get(failedUp)!.status}` : 'interrupted';
          results.set(name, {
            stage: name,
            status: 'skipped',
            reasons: [],
            error: { code: 'STAGE_FAILED', message: why },
            startedAt: now,
            endedAt: now,
          });
          log(name, `skipped: ${why}`, 'info');
          continue;
        }
        if (!ups.every((u) => results.has(u))) {
          i++;
          continue;
        }
        pending.splice(i, 1);
        overlaps.set(name, new Set(running.keys()));
        for (const other of running.keys()) overlaps.get(other)?.add(name);
        const p = runOne(ctx, name, lock, () => [...(overlaps.get(name) ?? [])]).then((r) => {
          results.set(name, r);
          running.delete(name);
        });
        running.set(name, p);
      }
      if (running.size > 0) await Promise.race(running.values());
      else if (
        pending.length > 0 &&
        !pending.some((n) => (pipeline.upstream.get(n) ?? []).every((u) => !selected.includes(u) || results.has(u)))
      ) {
        throw new SlipwayError('INTERNAL', `scheduler stalled with pending stages ${pending.join(', ')}`);
      }
    }
    const stages = selected.map((n) => results.get(n)!);
    const interrupted = Boolean(opts.signal?.aborted);
    return { ok: !interrupted && stages.every((s) => !bad.has(s.status)), interrupted, stages };
  } finally {
    hasher.save();
    lockHandle.release();
  }
}

/** What every stage of one `repro` shares. */
interface ReproContext {
  readonly env: PipelineEnv;
  readonly pipeline: Pipeline;
  readonly hasher: PathHasher;
  readonly record: (stage: string, entry: LockStage) => void;
  readonly opts: ReproOptions;
  readonly log: NonNullable<ReproOptions['onLog']>;
}

async function runOne(ctx: ReproContext, name: string, lock: LockFile, overlapping: () => readonly string[]): Promise<StageResult> {
  const { env, pipeline, hasher, record, opts, log } = ctx;
  const stage = pipeline.stages.get(name)!;
  const startedAt = Date.now();
  try {
    const fp = await fingerprint(env.root, stage, hasher, undefined, env.db);
    const decision = await decideStage(env.db, env.store, stage, lock.stages[name], fp, hasher, { force: opts.force });
    const reasons = decision.reasons;
    if (decision.action === 'frozen') {
      log(name, 'frozen: not checked', 'info');
      return { stage: name, status: 'frozen', reasons: [], startedAt, endedAt: Date.now() };
    }
    if (decision.action === 'up_to_date') {
      log(name, 'up to date', 'info');
      return { stage: name, status: 'up_to_date', reasons, startedAt, endedAt: Date.now() };
    }
    if (fp.missingDeps.length > 0)
      throw new SlipwayError(
        'DEPENDENCY_MISSING',
        `stage "${name}" cannot run: ${fp.missingDeps.map((d) => `"${d}"`).join(', ')} does not exist`,
        {
          stage: name,
          missing: fp.missingDeps,
        },
      );
    const hit = decision.cached;
    if (decision.action === 'restore' && hit) {
      restoreOutputs(env.store, env.root, hit.outs, hasher);
      record(name, {
        cmd: stage.cmd,
        key: fp.key,
        deps: fp.deps,
        params: fp.params,
        outs: hit.outs,
        ...(hit.runId ? { run_id: hit.runId } : {}),
      });
      log(name, `restored from run cache${hit.runId ? ` (run ${hit.runId})` : ''}`, 'info');
      return { stage: name, status: 'restored', reasons, runId: hit.runId ?? undefined, startedAt, endedAt: Date.now() };
    }
    const r = await executeStage(env, stage, fp, hasher, {
      signal: opts.signal,
      log: (line, stream) => log(name, line, stream),
      reasons,
      overlapping,
      declared: [...pipeline.stages.values()].flatMap((s) => [...s.outs.map((o) => o.path), ...s.deps, ...s.params.map((p) => p.file)]),
    });
    if (r.status === 'ran') record(name, r.lockEntry!);
    return { stage: name, status: r.status, reasons, runId: r.runId, error: r.error, warnings: r.warnings, startedAt, endedAt: Date.now() };
  } catch (e) {
    const err = toSlipwayError(e);
    log(name, `error[${err.code}]: ${err.message}`, 'info');
    return { stage: name, status: 'failed', reasons: [], error: { code: err.code, message: err.message }, startedAt, endedAt: Date.now() };
  }
}

const DRY_STATUS = { frozen: 'frozen', up_to_date: 'up_to_date', restore: 'would_restore', run: 'would_run' } as const;

async function dryRun(
  env: PipelineEnv,
  pipeline: Pipeline,
  selected: readonly string[],
  hasher: PathHasher,
  opts: ReproOptions,
  log: NonNullable<ReproOptions['onLog']>,
): Promise<ReproResult> {
  const lock = readLock(env.lockPath, env.lockCachePath);
  const results: StageResult[] = [];
  const willRun = new Set<string>();
  for (const name of selected) {
    const stage = pipeline.stages.get(name)!;
    const startedAt = Date.now();
    const fp = await fingerprint(env.root, stage, hasher, undefined, env.db);
    const upstreamStale = (pipeline.upstream.get(name) ?? []).filter((u) => willRun.has(u));
    const decision = await decideStage(env.db, env.store, stage, lock.stages[name], fp, hasher, { force: opts.force, upstreamStale });
    if (decision.action === 'restore' || decision.action === 'run') willRun.add(name);
    const status = DRY_STATUS[decision.action];
    log(name, status.replace(/_/g, ' '), 'info');
    results.push({ stage: name, status, reasons: decision.reasons, startedAt, endedAt: Date.now() });
  }
  return { ok: true, interrupted: false, stages: results };
}
