import { randomBytes, randomUUID } from 'node:crypto';

/** The Job controller and kubelet side of the fake Kubernetes API server (fake-kube-api.ts). */

// Loose on purpose: the server handles arbitrary API objects, and the tests check them against the schema instead.
export type Json = Record<string, any>;

/** What a pod is started with. */
export interface FakePodSpec {
  readonly name: string;
  readonly job: string;
  readonly index?: number;
  /** The container's env (its `env` list, plus JOB_COMPLETION_INDEX for an Indexed Job). */
  readonly env: Record<string, string>;
  readonly image: string;
  readonly command: readonly string[];
}

/** Runs a pod's container; resolves with its exit code and termination message. */
export type Kubelet = (
  pod: FakePodSpec,
  io: { log: (line: string) => void; signal: AbortSignal },
) => Promise<{ exitCode: number; message?: string }>;

/** A pod's log as it grows; listeners are told of each new line and of the end. */
export interface PodLog {
  lines: string[];
  done: boolean;
  readonly listeners: Set<() => void>;
}

/** The server state the controller reads and changes. */
export interface FakeCluster {
  readonly jobs: Map<string, Json>;
  readonly pods: Map<string, Json>;
  readonly logs: Map<string, PodLog>;
  readonly aborts: Map<string, AbortController>;
  readonly kubelet: Kubelet;
  readonly secrets?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  nextVersion(): string;
  /** Checks an object the server sends against the schema. */
  check(obj: Json): void;
  /** Changes a Job, bumps its resourceVersion and tells its watchers. */
  setJob(job: Json, mutate: (j: Json) => void): void;
  podStarted(job: string): void;
}

/** An API timestamp (RFC 3339, seconds). */
export const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

async function runPod(c: FakeCluster, job: Json, index: number | undefined, signal: AbortSignal): Promise<{ exitCode: number; pod: Json }> {
  const ns = job.metadata.namespace;
  const jname = job.metadata.name;
  const name = `${jname}-${index !== undefined ? `${index}-` : ''}${randomBytes(3).toString('hex').slice(0, 5)}`;
  const template = job.spec.template;
  const container = template.spec.containers[0];
  const indexed = index !== undefined;
  const pod: Json = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      uid: randomUUID(),
      resourceVersion: c.nextVersion(),
      creationTimestamp: now(),
      labels: {
        ...(template.metadata?.labels ?? {}),
        'batch.kubernetes.io/controller-uid': job.metadata.uid,
        'batch.kubernetes.io/job-name': jname,
        'controller-uid': job.metadata.uid,
        'job-name': jname,
        ...(indexed ? { 'batch.kubernetes.io/job-completion-index': String(index) } : {}),
      },
      ...(indexed ? { annotations: { 'batch.kubernetes.io/job-completion-index': String(index) } } : {}),
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'Job', name: jname, uid: job.metadata.uid, controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: template.spec,
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  };
  c.pods.set(`${ns}/${name}`, pod);
  const log = { lines: [] as string[], done: false, listeners: new Set<() => void>() };
  c.logs.set(`${ns}/${name}`, log);
  c.check(pod);
  const started = now();
  pod.status = {
    phase: 'Running',
    startTime: started,
    qosClass: 'BestEffort',
    containerStatuses: [
      {
        name: container.name,
        image: container.image,
        imageID: '',
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: started } },
      },
    ],
  };
  c.setJob(job, (j) => (j.status.active = (j.status.active ?? 0) + 1));
  c.podStarted(jname);
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) Object.assign(env, c.secrets?.[from.secretRef?.name] ?? {});
  for (const e of container.env ?? []) env[e.name] = e.value;
  if (indexed) env.JOB_COMPLETION_INDEX = String(index);
  let r: { exitCode: number; message?: string };
  try {
    r = await c.kubelet(
      { name, job: jname, index, env, image: container.image, command: container.command },
      {
        log: (line) => {
          log.lines.push(line);
          for (const l of log.listeners) l();
        },
        signal,
      },
    );
  } catch (e) {
    log.lines.push(String(e));
    r = { exitCode: 128 };
  }
  if (signal.aborted) r = { exitCode: 137 };
  log.done = true;
  for (const l of log.listeners) l();
  pod.status = {
    ...pod.status,
    phase: r.exitCode === 0 ? 'Succeeded' : 'Failed',
    containerStatuses: [
      {
        name: container.name,
        image: container.image,
        imageID: '',
        ready: false,
        restartCount: 0,
        started: false,
        state: {
          terminated: {
            exitCode: r.exitCode,
            reason: r.exitCode === 0 ? 'Completed' : 'Error',
            startedAt: started,
            finishedAt: now(),
            ...(r.message ? { message: r.message } : {}),
          },
        },
      },
    ],
  };
  pod.metadata.resourceVersion = c.nextVersion();
  c.check(pod);
  c.setJob(job, (j) => {
    j.status.active -= 1;
    if (r.exitCode === 0) j.status.succeeded = (j.status.succeeded ?? 0) + 1;
    else j.status.failed = (j.status.failed ?? 0) + 1;
  });
  return { exitCode: r.exitCode, pod };
}

/** The podFailurePolicy action for an exit code (undefined: count it as a failure). */
function policyAction(job: Json, exitCode: number): string | undefined {
  for (const rule of job.spec.podFailurePolicy?.rules ?? []) {
    const on = rule.onExitCodes;
    if (!on) continue;
    const hit = on.values.includes(exitCode);
    if (on.operator === 'In' ? hit : !hit) return rule.action;
  }
  return undefined;
}

/** The Job controller: runs the Job's pods (parallelism, retries, podFailurePolicy, deadline) and sets its status. */
export async function runJob(c: FakeCluster, job: Json): Promise<void> {
  const spec = job.spec;
  const ac = c.aborts.get(`${job.metadata.namespace}/${job.metadata.name}`)!;
  const indexed = spec.completionMode === 'Indexed';
  const completions: number = spec.completions ?? 1;
  const parallelism: number = spec.parallelism ?? 1;
  c.setJob(job, (j) => (j.status = { startTime: now(), active: 0, ready: 0, terminating: 0 }));
  let failReason: { reason: string; message: string } | undefined;
  const fail = (reason: string, message: string): void => {
    failReason ??= { reason, message };
    ac.abort();
  };
  let deadline: NodeJS.Timeout | undefined;
  if (spec.activeDeadlineSeconds)
    deadline = setTimeout(
      () => fail('DeadlineExceeded', 'Job was active longer than specified deadline'),
      spec.activeDeadlineSeconds * 1000,
    );
  const completed = new Set<number>();
  const failedIdx = new Set<number>();
  let globalFailures = 0;
  const runIndex = async (i: number): Promise<void> => {
    let failures = 0;
    while (!ac.signal.aborted) {
      const { exitCode } = await runPod(c, job, indexed ? i : undefined, ac.signal);
      if (ac.signal.aborted) return;
      if (exitCode === 0) {
        completed.add(i);
        if (indexed) c.setJob(job, (j) => (j.status.completedIndexes = ranges(completed)));
        return;
      }
      const action = policyAction(job, exitCode);
      if (action === 'Ignore') continue;
      if (action === 'FailJob')
        return fail('PodFailurePolicy', `Container stage for pod exited with code ${exitCode} matching FailJob rule`);
      failures++;
      globalFailures++;
      if (indexed && (action === 'FailIndex' || failures > (spec.backoffLimitPerIndex ?? 6))) {
        failedIdx.add(i);
        c.setJob(job, (j) => (j.status.failedIndexes = ranges(failedIdx)));
        return;
      }
      if (!indexed && globalFailures > (spec.backoffLimit ?? 6))
        return fail('BackoffLimitExceeded', 'Job has reached the specified backoff limit');
    }
  };
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < completions && !ac.signal.aborted) await runIndex(next++);
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, completions) }, lane));
  clearTimeout(deadline);
  if (!c.jobs.has(`${job.metadata.namespace}/${job.metadata.name}`)) return; // deleted
  if (!failReason && failedIdx.size > 0) failReason = { reason: 'FailedIndexes', message: 'Job has failed indexes' };
  const t = now();
  const cond = (type: string, reason?: string, message?: string): Json => ({
    type,
    status: 'True',
    lastProbeTime: t,
    lastTransitionTime: t,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  });
  c.setJob(job, (j) => {
    j.status.conditions = failReason
      ? [cond('FailureTarget', failReason.reason, failReason.message), cond('Failed', failReason.reason, failReason.message)]
      : [
          cond('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods'),
          cond('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods'),
        ];
    if (!failReason) j.status.completionTime = t;
    j.status.ready = 0;
  });
}

/** `{0, 2, 3, 4}` → `"0,2-4"` (the API's interval notation for completedIndexes / failedIndexes). */
function ranges(set: ReadonlySet<number>): string {
  const xs = [...set].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < xs.length;) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    out.push(j > i ? `${xs[i]}-${xs[j]}` : `${xs[i]}`);
    i = j + 1;
  }
  return out.join(',');
}
