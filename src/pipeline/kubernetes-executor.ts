import { createWriteStream } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { SlipwayError, toSlipwayError } from '../errors/index.js';
import { checkoutTree, pullClosure, type Remote } from '../store/index.js';
import { finishedCondition, jobClient, type JobClient, type JobState, type PodState } from './kubernetes-client.js';
import { kubernetesExecutor, renderJobManifest, writeJobManifest, type KubernetesObject } from './kubernetes-job.js';
import type { PathHasher } from './path-hasher.js';
import type { KubernetesAccess, PipelineEnv } from './pipeline-env.js';
import { POD_CONTAINER, type PodResult } from './pod-contract.js';
import { prepareOutputs } from './stage-outputs.js';
import { stageInputs, pushTree } from './stage-inputs.js';
import type { StageExit } from './stage-process.js';
import type { StageFingerprint } from './stage-state.js';
import type { Stage } from './stage-model.js';

type LogFn = (line: string, stream: 'stdout' | 'stderr' | 'info') => void;

/** The cluster and remote of a kubernetes stage; EXECUTOR_UNAVAILABLE when the caller gave none. */
export function kubernetesAccess(env: PipelineEnv, stage: Stage): KubernetesAccess {
  if (!env.kubernetes)
    throw new SlipwayError(
      'EXECUTOR_UNAVAILABLE',
      `stage "${stage.name}" runs on Kubernetes, but no cluster access was given here; run it with \`slipway repro\` (which reads KUBECONFIG)`,
      { stage: stage.name },
    );
  return env.kubernetes;
}

/** The namespace a stage's Job goes to: the executor's, else the kubeconfig context's, else `default`. */
export function jobNamespace(kc: KubeConfig, stage: Stage): string {
  return kubernetesExecutor(stage).namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
}

/**
 * Runs a stage as a Kubernetes Job: uploads its inputs to the remote, creates the Job, follows it (watch) and
 * streams its pods' logs into the stage log, maps the outcome (JOB_FAILED, JOB_DEADLINE_EXCEEDED), and on success
 * pulls the outputs the pod pushed and checks them out into the workspace, where `saveOutputs` records them as for a
 * local stage. Aborting `signal` deletes the Job (its pods go in the background) and reports the stage killed.
 */
export async function runStageOnKubernetes(
  env: PipelineEnv,
  stage: Stage,
  fp: StageFingerprint,
  hasher: PathHasher,
  opts: { signal?: AbortSignal; log: LogFn; logFile: string; runId?: string },
): Promise<StageExit> {
  const access = kubernetesAccess(env, stage);
  const ex = kubernetesExecutor(stage);
  const kc = await access.kubeConfig();
  const { url, remote } = access.remote(ex.remote);
  const inputs = await stageInputs(env, [stage], fp.deps, hasher);
  const sent = await pushTree(env, remote, inputs.tree);
  opts.log(`inputs ${inputs.tree.slice(0, 12)}: ${sent.transferred} object(s), ${sent.bytes} bytes sent to ${remote.url}`, 'info');
  const job = renderJobManifest(stage, {
    contract: {
      remote: url,
      inputs: [inputs.tree],
      steps: [[{ stage: stage.name, wdir: stage.wdir, cmd: stage.cmd, pathEnv: inputs.pathEnv }]],
      outs: stage.outs.map((o) => o.path),
    },
    // Runs the stage logs become children of its run only where the pod reaches a tracking server.
    env: opts.runId && ex.env?.SLIPWAY_TRACKING_URI ? { SLIPWAY_RUN_ID: opts.runId, SLIPWAY_PARENT_RUN_ID: opts.runId } : {},
  });
  const namespace = jobNamespace(kc, stage);
  const client = jobClient(kc, access.pollMs);
  const done = await followJob(env, client, namespace, job, { ...opts, pollMs: access.pollMs });
  if (done.killed) return { exitCode: null, signal: 'SIGTERM', killed: true };
  const failed = done.pods.filter((p) => p.phase === 'Failed').at(-1);
  const end = finishedCondition(done.job)!;
  if (end.type === 'Failed') throw jobFailure(stage.name, namespace, done.name, end, failed, opts.logFile);
  const result = podResult(
    done.pods.find((p) => p.phase === 'Succeeded'),
    stage.name,
  );
  await pullOutputs(env, remote, result.outputs);
  prepareOutputs(env.root, stage);
  checkoutTree(env.store, result.outputs, env.root);
  return { exitCode: 0, signal: null, killed: false };
}

/** What following a Job ended with. */
export interface FollowedJob {
  readonly name: string;
  readonly job: JobState;
  readonly pods: readonly PodState[];
  readonly killed: boolean;
}

/**
 * Creates `job` and follows it to its end: the Job by watch, its pods by listing (each pod's log streamed once it
 * runs, prefixed by its index in an Indexed Job). Aborting deletes the Job (propagationPolicy Background).
 */
export async function followJob(
  env: PipelineEnv,
  client: JobClient,
  namespace: string,
  job: KubernetesObject,
  opts: { signal?: AbortSignal; log: LogFn; logFile: string; pollMs?: number },
): Promise<FollowedJob> {
  const name = (job.metadata as { name: string }).name;
  const manifest = writeJobManifest(env, job);
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const logFile = createWriteStream(opts.logFile, { flags: 'a' });
  try {
    if (opts.signal?.aborted) return { name, job: {}, pods: [], killed: true };
    opts.log(`submitting Job ${namespace}/${name} (manifest: ${manifest})`, 'info');
    await client.create(namespace, job);
    const followed = new Set<string>();
    const tails: Promise<void>[] = [];
    const scan = async (): Promise<PodState[]> => {
      const pods = await client.pods(namespace, name);
      for (const p of pods) {
        if (p.phase === 'Pending' || followed.has(p.name)) continue;
        followed.add(p.name);
        const prefix = p.index !== undefined ? `[${p.index}] ` : '';
        opts.log(`pod ${p.name}${p.index !== undefined ? ` (index ${p.index})` : ''} ${p.phase.toLowerCase()}`, 'info');
        tails.push(
          client
            .followLog(namespace, p.name, POD_CONTAINER, (line) => {
              logFile.write(`${prefix}${line}\n`);
              opts.log(`${prefix}${line}`, 'stdout');
            })
            .catch((e: unknown) => opts.log(`warning: ${toSlipwayError(e).message}`, 'info')),
        );
      }
      return pods;
    };
    const stopScanning = new AbortController();
    const scanner = (async () => {
      while (!stopScanning.signal.aborted) {
        await scan().catch(() => undefined); // the watch reports a lost API server; listing just tries again
        await sleep(opts.pollMs ?? 1000, undefined, { signal: stopScanning.signal }).catch(() => undefined);
      }
    })();
    let state: JobState;
    try {
      state = await client.waitForEnd(namespace, name, { signal: opts.signal });
    } catch (e) {
      if (!opts.signal?.aborted) throw e;
      opts.log(`interrupted: deleting Job ${namespace}/${name}`, 'info');
      await client.remove(namespace, name);
      return { name, job: {}, pods: [], killed: true };
    } finally {
      stopScanning.abort();
      await scanner;
    }
    const pods = await scan();
    await Promise.all(tails);
    const end = finishedCondition(state)!;
    opts.log(`Job ${namespace}/${name}: ${end.type}${end.reason ? ` (${end.reason})` : ''}`, 'info');
    return { name, job: state, pods, killed: false };
  } finally {
    await new Promise<void>((r) => logFile.end(r));
  }
}

/** The stage failure for a Job that ended Failed: JOB_DEADLINE_EXCEEDED or JOB_FAILED, with Kubernetes' reason. */
export function jobFailure(
  stage: string,
  namespace: string,
  job: string,
  end: { reason?: string; message?: string },
  pod: PodState | undefined,
  logFile: string,
): SlipwayError {
  const reason = end.reason ?? 'Failed';
  const why = [end.message, pod?.exitCode !== undefined ? `the last pod exited with ${pod.exitCode}` : undefined]
    .filter(Boolean)
    .join('; ');
  return new SlipwayError(
    reason === 'DeadlineExceeded' ? 'JOB_DEADLINE_EXCEEDED' : 'JOB_FAILED',
    `stage "${stage}" failed on Kubernetes: Job ${namespace}/${job} ended ${reason}${why ? ` (${why})` : ''}; see ${logFile}`,
    { stage, job, reason, ...(pod?.exitCode !== undefined ? { exitCode: pod.exitCode } : {}) },
  );
}

/** The pod contract's result from a succeeded pod's termination message; OUTPUT_MISSING when it has none. */
export function podResult(pod: PodState | undefined, stage: string): PodResult {
  try {
    const r = JSON.parse(pod?.message ?? '') as PodResult;
    if (typeof r.outputs === 'string') return r;
  } catch {
    // falls through to the error below
  }
  throw new SlipwayError(
    'OUTPUT_MISSING',
    `stage "${stage}" completed on Kubernetes but its pod${pod ? ` ${pod.name}` : ''} reported no outputs tree; the image must run \`slipway stage exec\``,
    { stage, ...(pod ? { pod: pod.name } : {}) },
  );
}

/** Fetches an outputs tree and its files from the remote into the local store. */
export async function pullOutputs(env: PipelineEnv, remote: Remote, tree: string): Promise<void> {
  await pullClosure(env.store, remote, [tree]);
}
