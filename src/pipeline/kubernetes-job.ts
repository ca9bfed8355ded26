import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { SlipwayError } from '../errors/index.js';
import { writeFileAtomic } from '../store/index.js';
import type { ExecutorConfig } from '../config/pipeline-schema.js';
import type { PipelineEnv } from './pipeline-env.js';
import { contractEnv, POD_CONTAINER, POD_EXIT_CONTRACT, type PodContract } from './pod-contract.js';
import type { Stage } from './stage-model.js';

/** A Kubernetes object as plain JSON (batch/v1 Job here). */
export type KubernetesObject = Record<string, unknown>;

/** The kubernetes executor's settings (`executor: {kind: kubernetes, …}` in slipway.yaml). */
export type KubernetesExecutor = Exclude<ExecutorConfig, 'local'>;

/** Options for rendering a Job. */
export interface JobRenderOptions {
  /** What the pod pulls, runs and pushes (see pod-contract.ts). */
  readonly contract: Omit<PodContract, 'terminationLog'>;
  /** The Job's name (default: `slipway-<stage>-<random>`). */
  readonly name?: string;
  /** Extra environment (e.g. SLIPWAY_TRACKING_URI so the stage logs to the control plane). */
  readonly env?: Readonly<Record<string, string>>;
  /** Runs one pod per input tree as an Indexed Job (the experiment queue); absent: one pod, `backoffLimit` retries. */
  readonly indexed?: { readonly parallelism: number; readonly backoffLimitPerIndex: number };
  /** Labels added to the Job and its pods (e.g. the experiment names). */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Where the pod's workspace (an emptyDir, or the executor's volume claim) is mounted. */
export const POD_WORKDIR = '/workspace';

/** DNS-1123 label: lowercase alphanumerics and '-', at most 63 characters. */
export function dnsLabel(s: string, max = 63): string {
  const cleaned = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return cleaned.slice(0, max).replace(/-+$/g, '') || 'stage';
}

/** A fresh Job name for a stage: a resubmission never collides with a finished Job kept for its TTL. */
export function jobName(stage: string): string {
  return `slipway-${dnsLabel(stage, 40)}-${randomBytes(4).toString('hex')}`;
}

/** The executor settings of a kubernetes stage; PIPELINE_INVALID for a local one. */
export function kubernetesExecutor(stage: Stage): KubernetesExecutor {
  if (stage.executor === 'local')
    throw new SlipwayError(
      'PIPELINE_INVALID',
      `stage "${stage.name}" uses the local executor; set \`executor: {kind: kubernetes, image: …}\` to render a Job`,
      { stage: stage.name },
    );
  return stage.executor;
}

/**
 * Renders the batch/v1 Job that runs `stage` on Kubernetes: the image runs `slipway stage exec`, which pulls the
 * inputs from the remote, runs the commands and pushes the outputs (the contract is in the container's env; S3
 * credentials come from the executor's Secret). A broken contract (exit 3) fails the Job (or the index) at once;
 * a disrupted pod (preemption, node drain) does not count against the retries.
 */
export function renderJobManifest(stage: Stage, opts: JobRenderOptions): KubernetesObject {
  const ex = kubernetesExecutor(stage);
  const name = opts.name ?? jobName(stage.name);
  const labels = {
    'app.kubernetes.io/managed-by': 'slipway',
    'app.kubernetes.io/component': opts.indexed ? 'experiment-queue' : 'pipeline-stage',
    'slipway.dev/stage': dnsLabel(stage.name),
    ...(opts.labels ?? {}),
  };
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (ex.resources?.cpu !== undefined) requests.cpu = limits.cpu = String(ex.resources.cpu);
  if (ex.resources?.memory !== undefined) requests.memory = limits.memory = ex.resources.memory;
  if (ex.resources?.gpu) limits['nvidia.com/gpu'] = String(ex.resources.gpu);
  const env = { SLIPWAY_STAGE: stage.name, ...(ex.env ?? {}), ...(opts.env ?? {}) };
  const container: Record<string, unknown> = {
    name: POD_CONTAINER,
    image: ex.image,
    command: [...(ex.slipway_command ?? ['slipway']), 'stage', 'exec'],
    workingDir: POD_WORKDIR,
    env: [...Object.entries(env).map(([k, v]) => ({ name: k, value: v })), ...contractEnv(opts.contract)],
    ...(ex.secret ? { envFrom: [{ secretRef: { name: ex.secret } }] } : {}),
    volumeMounts: [{ name: 'workspace', mountPath: POD_WORKDIR }],
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  };
  if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0)
    container.resources = { ...(Object.keys(requests).length ? { requests } : {}), ...(Object.keys(limits).length ? { limits } : {}) };
  const completions = opts.contract.inputs.length;
  const retries = opts.indexed
    ? {
        completionMode: 'Indexed',
        completions,
        parallelism: Math.max(1, Math.min(opts.indexed.parallelism, completions)),
        backoffLimitPerIndex: opts.indexed.backoffLimitPerIndex,
      }
    : { backoffLimit: ex.backoff_limit ?? 0 };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, ...(ex.namespace ? { namespace: ex.namespace } : {}), labels },
    spec: {
      ...retries,
      ...(ex.deadline_seconds ? { activeDeadlineSeconds: ex.deadline_seconds } : {}),
      ttlSecondsAfterFinished: 86400,
      podFailurePolicy: {
        rules: [
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          {
            action: opts.indexed ? 'FailIndex' : 'FailJob',
            onExitCodes: { containerName: POD_CONTAINER, operator: 'In', values: [POD_EXIT_CONTRACT] },
          },
        ],
      },
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          ...(ex.service_account ? { serviceAccountName: ex.service_account } : {}),
          containers: [container],
          volumes: [
            ex.volume_claim
              ? { name: 'workspace', persistentVolumeClaim: { claimName: ex.volume_claim } }
              : { name: 'workspace', emptyDir: {} },
          ],
        },
      },
    },
  };
}

/** Writes a Job manifest to `.slipway/k8s/<name>.job.yaml` (what was submitted, for `kubectl` and debugging). */
export function writeJobManifest(env: PipelineEnv, job: KubernetesObject): string {
  const dir = join(env.workspace.stateDir, 'k8s');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${(job.metadata as { name: string }).name}.job.yaml`);
  writeFileAtomic(file, stringify(job));
  return file;
}
