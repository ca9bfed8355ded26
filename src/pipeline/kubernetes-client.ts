import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchV1Api, CoreV1Api, Log, Watch, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import { kubernetesFailure } from '../deploy/index.js';
import { SlipwayError } from '../errors/index.js';
import type { KubernetesObject } from './kubernetes-job.js';

/** The parts of a Job's status Slipway reads (plain JSON, as the API server sends it). */
export interface JobState {
  readonly metadata?: { readonly name?: string; readonly resourceVersion?: string };
  readonly status?: {
    readonly conditions?: readonly { type: string; status: string; reason?: string; message?: string }[];
    readonly succeeded?: number;
    readonly failed?: number;
    readonly completedIndexes?: string;
    readonly failedIndexes?: string;
  };
}

/** The parts of a pod Slipway reads. */
export interface PodState {
  readonly name: string;
  readonly phase: string;
  /** JOB_COMPLETION_INDEX of an Indexed Job's pod. */
  readonly index?: number;
  readonly exitCode?: number;
  /** The container's termination message (the pod contract's result). */
  readonly message?: string;
  readonly reason?: string;
}

/** The Job calls the kubernetes executor makes (BatchV1Api, CoreV1Api, Watch and Log of @kubernetes/client-node). */
export interface JobClient {
  create(namespace: string, job: KubernetesObject): Promise<void>;
  /** Deletes the Job and, in the background, its pods. */
  remove(namespace: string, name: string): Promise<void>;
  /** Follows the Job with a watch (re-established when the server closes it; polling after repeated failures) until it ends. */
  waitForEnd(namespace: string, name: string, opts: { signal?: AbortSignal; onUpdate?: (job: JobState) => void }): Promise<JobState>;
  pods(namespace: string, jobName: string): Promise<PodState[]>;
  /** Streams a container's log line by line until the container ends (follow). */
  followLog(namespace: string, pod: string, container: string, onLine: (line: string) => void, signal?: AbortSignal): Promise<void>;
}

/** The condition that ends a Job (`Complete` or `Failed`, status True), if it has ended. */
export function finishedCondition(job: JobState): { type: 'Complete' | 'Failed'; reason?: string; message?: string } | undefined {
  const c = job.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c ? { type: c.type as 'Complete' | 'Failed', reason: c.reason, message: c.message } : undefined;
}

/** A JobClient over a kubeconfig; `pollMs` paces pod listing and the polling fallback. */
export function jobClient(kc: KubeConfig, pollMs = 1000): JobClient {
  const batch = kc.makeApiClient(BatchV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const read = async (namespace: string, name: string): Promise<JobState> => {
    try {
      // Plain JSON (not the client's Date-typed model), the same shape the watch delivers.
      return JSON.parse(JSON.stringify(await batch.readNamespacedJob({ name, namespace }))) as JobState;
    } catch (e) {
      throw kubernetesFailure(e, `reading Job ${namespace}/${name} failed`);
    }
  };
  const watchOnce = (namespace: string, name: string, signal: AbortSignal | undefined, onUpdate: (j: JobState) => void) =>
    new Promise<{ job?: JobState; deleted?: boolean; failed?: boolean }>((resolve) => {
      let controller: AbortController | undefined;
      let settled = false;
      const finish = (r: { job?: JobState; deleted?: boolean; failed?: boolean }): void => {
        if (settled) return;
        settled = true;
        controller?.abort();
        signal?.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const onAbort = (): void => finish({});
      if (signal?.aborted) return finish({});
      signal?.addEventListener('abort', onAbort, { once: true });
      new Watch(kc)
        .watch(
          `/apis/batch/v1/namespaces/${encodeURIComponent(namespace)}/jobs`,
          { fieldSelector: `metadata.name=${name}` },
          (type: string, obj: JobState) => {
            if (type === 'ERROR') return finish({ failed: true });
            if (type === 'BOOKMARK' || obj?.metadata?.name !== name) return;
            if (type === 'DELETED') return finish({ deleted: true });
            onUpdate(obj);
            if (finishedCondition(obj)) finish({ job: obj });
          },
          (err: unknown) => finish({ failed: err !== null && err !== undefined }),
        )
        .then(
          (c) => {
            controller = c;
            if (settled) c.abort();
          },
          () => finish({ failed: true }),
        );
    });
  return {
    async create(namespace, job) {
      try {
        await batch.createNamespacedJob({ namespace, body: job as V1Job });
      } catch (e) {
        throw kubernetesFailure(e, `creating Job ${namespace}/${String((job.metadata as { name?: string }).name)} failed`);
      }
    },
    async remove(namespace, name) {
      try {
        await batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' });
      } catch (e) {
        if ((e as { code?: number }).code === 404) return;
        throw kubernetesFailure(e, `deleting Job ${namespace}/${name} failed`);
      }
    },
    async waitForEnd(namespace, name, opts) {
      const onUpdate = opts.onUpdate ?? (() => undefined);
      let failures = 0;
      for (;;) {
        // A watch from "now" starts with the Job's current state (ADDED), so nothing between calls is missed.
        const r = failures < 3 ? await watchOnce(namespace, name, opts.signal, onUpdate) : { failed: true };
        if (r.job) return r.job;
        if (opts.signal?.aborted) throw new SlipwayError('INTERRUPTED', `following Job ${namespace}/${name} was interrupted`);
        if (r.deleted)
          throw new SlipwayError('KUBERNETES_FAILED', `Job ${namespace}/${name} was deleted before it finished; run the stage again`, {
            job: name,
          });
        if (r.failed) failures++;
        const job = await read(namespace, name);
        onUpdate(job);
        if (finishedCondition(job)) return job;
        if (failures >= 3) await sleep(pollMs, undefined, { signal: opts.signal }).catch(() => undefined);
      }
    },
    async pods(namespace, jobName) {
      try {
        const list = await core.listNamespacedPod({ namespace, labelSelector: `batch.kubernetes.io/job-name=${jobName}` });
        return list.items.map((p) => {
          const cs = p.status?.containerStatuses?.find((c) => c.name === 'stage') ?? p.status?.containerStatuses?.[0];
          const t = cs?.state?.terminated;
          const idx =
            p.metadata?.labels?.['batch.kubernetes.io/job-completion-index'] ??
            p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'];
          return {
            name: p.metadata?.name ?? '',
            phase: p.status?.phase ?? 'Unknown',
            ...(idx !== undefined ? { index: Number(idx) } : {}),
            ...(t ? { exitCode: t.exitCode, message: t.message, reason: t.reason } : {}),
          };
        });
      } catch (e) {
        throw kubernetesFailure(e, `listing the pods of Job ${namespace}/${jobName} failed`);
      }
    },
    async followLog(namespace, pod, container, onLine, signal) {
      const stream = new PassThrough();
      const lines = createInterface({ input: stream });
      lines.on('line', onLine);
      const ended = new Promise<void>((resolve) => lines.on('close', resolve));
      let controller: AbortController;
      try {
        controller = await new Log(kc).log(namespace, pod, container, stream, { follow: true });
      } catch (e) {
        stream.end();
        throw kubernetesFailure(e, `reading the log of pod ${namespace}/${pod} failed`);
      }
      const onAbort = (): void => {
        controller.abort();
        stream.end();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      await ended;
      signal?.removeEventListener('abort', onAbort);
    },
  };
}
