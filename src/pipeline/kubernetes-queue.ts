import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Workspace } from '../config/index.js';
import { toSlipwayError } from '../errors/index.js';
import type { Db } from '../meta/index.js';
import { checkoutTree, pullClosure, type ObjectStore } from '../store/index.js';
import { finishedCondition, jobClient, type PodState } from './kubernetes-client.js';
import { followJob, jobNamespace, podResult } from './kubernetes-executor.js';
import { jobName, renderJobManifest } from './kubernetes-job.js';
import type { Pipeline } from './load-pipeline.js';
import type { LockDep } from './lock-file.js';
import { openPathHasher } from './path-hasher.js';
import { pipelineEnv, type KubernetesAccess, type PipelineEnv } from './pipeline-env.js';
import type { PodStep } from './pod-contract.js';
import { fingerprint } from './stage-state.js';
import { pushTree, stageInputs } from './stage-inputs.js';
import type { ReproOptions } from './repro.js';
import { pipelineMetrics, usedParams } from './experiment-values.js';
import { loadTracking } from './stage-tracking.js';
import type { ParamValue } from '../tracking/index.js';

/**
 * True when a queue can run as one Indexed Job: every stage uses the kubernetes executor with the same image,
 * namespace and Secret (one pod template serves every experiment).
 */
export function queueFitsIndexedJob(pipeline: Pipeline): boolean {
  const stages = [...pipeline.stages.values()];
  if (stages.length === 0) return false;
  const key = (s: (typeof stages)[number]): string | undefined =>
    s.executor === 'local' ? undefined : JSON.stringify([s.executor.image, s.executor.namespace, s.executor.secret, s.executor.remote]);
  const first = key(stages[0]!);
  return first !== undefined && stages.every((s) => key(s) === first);
}

/** `"0,2-4"` (an Indexed Job's completedIndexes / failedIndexes) → {0, 2, 3, 4}. */
export function parseIndexes(s: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (s ?? '').split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a!; i <= (b ?? a!); i++) out.add(i);
  }
  return out;
}

/** One experiment prepared for the Indexed Job: its isolated copy, pipeline and input tree. */
export interface QueuedCopy {
  readonly name: string;
  readonly root: string;
  readonly pipeline: Pipeline;
}

/** How one index of the queue's Job ended, and the tracked run that records it. */
export interface IndexOutcome {
  readonly ok: boolean;
  readonly error?: string;
  readonly runId?: string;
}

/**
 * Runs prepared experiment copies as ONE Indexed Job (completions = the queue's size, parallelism = `jobs`,
 * backoffLimitPerIndex = the executor's backoff_limit): JOB_COMPLETION_INDEX picks each pod's input tree (the copy
 * with its overrides applied) and steps (every stage in order). Each completed index's outputs are pulled into its
 * copy; the outcome per index comes from the Job's completedIndexes / failedIndexes.
 */
export async function runCopiesAsIndexedJob(
  ws: Workspace,
  db: Db,
  store: ObjectStore,
  copies: readonly QueuedCopy[],
  access: KubernetesAccess,
  opts: Pick<ReproOptions, 'jobs' | 'onLog' | 'signal'>,
): Promise<IndexOutcome[]> {
  const env = pipelineEnv(ws, db, store, { kubernetes: access });
  try {
    const first = [...copies[0]!.pipeline.stages.values()][0]!;
    const ex = first.executor === 'local' ? undefined : first.executor;
    const kc = await access.kubeConfig();
    const { url, remote } = access.remote(ex?.remote);
    const inputs: string[] = [];
    const steps: PodStep[][] = [];
    const outs = new Set<string>();
    for (const c of copies) {
      // The copy's files, the workspace's store and stat cache (the copy shares the workspace's content).
      const cenv: PipelineEnv = { ...env, root: c.root };
      const hasher = openPathHasher(c.root, env.statCache, env.dirCachePath);
      const stages = c.pipeline.order.map((n) => c.pipeline.stages.get(n)!);
      const produced = new Set(stages.flatMap((s) => s.outs.map((o) => o.path)));
      const deps: LockDep[] = [];
      for (const s of stages) deps.push(...(await fingerprint(c.root, s, hasher, undefined, db)).deps);
      const tree = await stageInputs(cenv, stages, deps, hasher, produced);
      await pushTree(env, remote, tree.tree);
      inputs.push(tree.tree);
      steps.push(stages.map((s) => ({ stage: s.name, wdir: s.wdir, cmd: s.cmd, pathEnv: tree.pathEnv })));
      for (const p of produced) outs.add(p);
    }
    const job = renderJobManifest(first, {
      name: jobName('exp-queue'),
      contract: { remote: url, inputs, steps, outs: [...outs] },
      indexed: { parallelism: opts.jobs ?? 1, backoffLimitPerIndex: ex?.backoff_limit ?? 0 },
    });
    const namespace = jobNamespace(kc, first);
    const log = (line: string, stream: 'stdout' | 'stderr' | 'info'): void => opts.onLog?.('queue', line, stream);
    log(`${copies.length} experiment(s) as one Indexed Job: ${copies.map((c, i) => `[${i}] ${c.name}`).join(', ')}`, 'info');
    const logFile = join(ws.stateDir, 'logs', 'exps', `${(job.metadata as { name: string }).name}.log`);
    const done = await followJob(env, jobClient(kc, access.pollMs), namespace, job, {
      signal: opts.signal,
      log,
      logFile,
      pollMs: access.pollMs,
    });
    if (done.killed) return copies.map(() => ({ ok: false, error: 'interrupted: the Job was deleted' }));
    const completed = parseIndexes(done.job.status?.completedIndexes);
    const failed = parseIndexes(done.job.status?.failedIndexes);
    const end = finishedCondition(done.job);
    const outcomes: IndexOutcome[] = [];
    for (const [i, c] of copies.entries()) {
      const pods = done.pods.filter((p) => p.index === i);
      if (!completed.has(i)) {
        outcomes.push({ ok: false, error: indexFailure(i, done.name, failed.has(i), pods, end?.reason) });
        continue;
      }
      try {
        const result = podResult(
          pods.find((p) => p.phase === 'Succeeded'),
          c.name,
        );
        await pullClosure(store, remote, [result.outputs]);
        checkoutTree(store, result.outputs, c.root);
        outcomes.push({ ok: true });
      } catch (e) {
        outcomes.push({ ok: false, error: toSlipwayError(e).message });
      }
    }
    for (const [i, c] of copies.entries()) {
      const runId = await recordIndexRun(ws, db, store, c, { job: done.name, index: i, ok: outcomes[i]!.ok, logFile }).catch(
        () => undefined,
      );
      if (runId) outcomes[i] = { ...outcomes[i]!, runId };
    }
    return outcomes;
  } finally {
    env.close();
  }
}

function indexFailure(i: number, job: string, failed: boolean, pods: readonly PodState[], reason: string | undefined): string {
  const last = pods.filter((p) => p.phase === 'Failed').at(-1);
  const exit = last?.exitCode !== undefined ? `, last pod exited with ${last.exitCode}` : '';
  return failed
    ? `index ${i} of Job ${job} failed after ${pods.filter((p) => p.phase === 'Failed').length} pod(s)${exit}`
    : `index ${i} of Job ${job} did not complete (the Job ended ${reason ?? 'early'}${exit})`;
}

/**
 * Records one experiment of the queue as a tracked run (kind `stage`, tagged with the experiment, Job and index):
 * the params it used, the metrics its pod wrote, and its pod log (the index's lines of the Job log).
 */
async function recordIndexRun(
  ws: Workspace,
  db: Db,
  store: ObjectStore,
  c: QueuedCopy,
  at: { job: string; index: number; ok: boolean; logFile: string },
): Promise<string | undefined> {
  const tracking = await loadTracking();
  if (!tracking) return undefined;
  const params: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(usedParams(c.root, c.pipeline)))
    params[k] = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v);
  const run = await tracking.startRun({
    experiment: 'pipeline',
    name: c.name,
    kind: 'stage',
    params,
    tags: { 'slipway.exp': c.name, 'slipway.k8s.job': at.job, 'slipway.k8s.index': String(at.index) },
    workspace: ws.root,
    db,
    store,
  });
  try {
    const metrics = at.ok ? pipelineMetrics(c.root, c.pipeline) : {};
    if (Object.keys(metrics).length > 0) run.logMetrics(metrics);
    const prefix = `[${at.index}] `;
    const lines = existsSync(at.logFile) ? readFileSync(at.logFile, 'utf8').split('\n') : [];
    const own = join(c.root, '.slipway-pod.log');
    writeFileSync(
      own,
      lines
        .filter((l) => l.startsWith(prefix))
        .map((l) => `${l.slice(prefix.length)}\n`)
        .join(''),
    );
    await run.logArtifact(own, 'stage.log');
  } finally {
    await run.end(at.ok ? 'FINISHED' : 'FAILED');
  }
  return run.id;
}
