import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { SlipwayError } from '../errors/index.js';
import { sha256, writeFileAtomic } from '../store/index.js';
import type { PipelineEnv } from './pipeline-env.js';
import type { Stage } from './stage-model.js';

/** A Kubernetes object as plain JSON (batch/v1 Job here). */
export type KubernetesObject = Record<string, unknown>;

/** Options for rendering a stage's Job. */
export interface JobRenderOptions {
  /** PersistentVolumeClaim holding the workspace (default: the stage's `volume_claim` or `slipway-workspace`). */
  readonly volumeClaim?: string;
  /** Where the workspace is mounted in the container. */
  readonly mountPath?: string;
  /** Extra environment (e.g. SLIPWAY_TRACKING_URI so the stage logs to the control plane). */
  readonly env?: Readonly<Record<string, string>>;
}

/** DNS-1123 label: lowercase alphanumerics and '-', at most 63 characters. */
function dnsLabel(s: string, max = 63): string {
  const cleaned = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return cleaned.slice(0, max).replace(/-+$/g, '') || 'stage';
}

/** Renders the batch/v1 Job that runs `stage` on Kubernetes (image, resources, command, env, workspace volume). */
export function renderJobManifest(stage: Stage, opts: JobRenderOptions = {}): KubernetesObject {
  const ex = stage.executor;
  if (ex === 'local')
    throw new SlipwayError(
      'PIPELINE_INVALID',
      `stage "${stage.name}" uses the local executor; set \`executor: {kind: kubernetes, image: …}\` to render a Job`,
      { stage: stage.name },
    );
  const mountPath = opts.mountPath ?? '/workspace';
  const stageLabel = dnsLabel(stage.name);
  const name = `slipway-${dnsLabel(stage.name, 40)}-${sha256(JSON.stringify(stage)).slice(0, 8)}`;
  const labels = {
    'app.kubernetes.io/managed-by': 'slipway',
    'app.kubernetes.io/component': 'pipeline-stage',
    'slipway.dev/stage': stageLabel,
  };
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (ex.resources?.cpu !== undefined) requests.cpu = limits.cpu = String(ex.resources.cpu);
  if (ex.resources?.memory !== undefined) requests.memory = limits.memory = ex.resources.memory;
  if (ex.resources?.gpu) limits['nvidia.com/gpu'] = String(ex.resources.gpu);
  const env = { SLIPWAY_STAGE: stage.name, ...(ex.env ?? {}), ...(opts.env ?? {}) };
  const container: Record<string, unknown> = {
    name: 'stage',
    image: ex.image,
    command: ['/bin/sh', '-c', stage.cmd.map((c) => `(${c})`).join(' && ')],
    workingDir: stage.wdir === '.' ? mountPath : `${mountPath}/${stage.wdir}`,
    env: Object.entries(env).map(([k, v]) => ({ name: k, value: v })),
    volumeMounts: [{ name: 'workspace', mountPath }],
  };
  if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0)
    container.resources = { ...(Object.keys(requests).length ? { requests } : {}), ...(Object.keys(limits).length ? { limits } : {}) };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, ...(ex.namespace ? { namespace: ex.namespace } : {}), labels },
    spec: {
      backoffLimit: ex.backoff_limit ?? 0,
      ttlSecondsAfterFinished: 86400,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          ...(ex.service_account ? { serviceAccountName: ex.service_account } : {}),
          containers: [container],
          volumes: [
            { name: 'workspace', persistentVolumeClaim: { claimName: opts.volumeClaim ?? ex.volume_claim ?? 'slipway-workspace' } },
          ],
        },
      },
    },
  };
}

/** Writes a stage's Job manifest to `.slipway/k8s/<stage>.job.yaml`; returns its path. */
export function writeJobManifest(env: PipelineEnv, stage: Stage, opts: JobRenderOptions = {}): string {
  const dir = join(env.workspace.stateDir, 'k8s');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${dnsLabel(stage.name)}.job.yaml`);
  writeFileAtomic(file, stringify(renderJobManifest(stage, opts)));
  return file;
}
