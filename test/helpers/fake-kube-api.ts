import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { k8sErrors } from './k8s-schema.js';

/**
 * A fake Kubernetes API server on 127.0.0.1 (a real node:http server) serving only what the kubernetes executor
 * calls: create/read/delete Jobs, watch Jobs (`?watch=true`, newline-delimited WatchEvents), list pods by label
 * selector, and a pod's log (with follow). Bodies follow the official 1.31 OpenAPI schema: every Job POSTed is
 * validated strictly (refused with a 422 Status like the real server, and recorded), and every Job and Pod the
 * server sends is checked too (`responseErrors`). A small Job controller runs pods through `kubelet` with the
 * semantics the executor relies on: backoffLimit, Indexed Jobs (completions, parallelism, backoffLimitPerIndex,
 * completedIndexes/failedIndexes), podFailurePolicy on exit codes, activeDeadlineSeconds, and the 1.31 conditions
 * (SuccessCriteriaMet/FailureTarget before Complete/Failed).
 */

// Loose on purpose: the server handles arbitrary API objects, and the tests check them against the schema instead.
type Json = Record<string, any>;

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

/** A running fake API server. */
export interface FakeKubeApi {
  readonly url: string;
  /** A kubeconfig (YAML) whose current context points at this server with a bearer token. */
  readonly kubeconfig: string;
  /** Job bodies as POSTed. */
  readonly posted: Json[];
  /** Schema problems of POSTed bodies (each refused with 422). */
  readonly invalid: string[][];
  /** Schema problems of Jobs and Pods this server sent (should stay empty). */
  readonly responseErrors: string[];
  /** DELETEs of Jobs: name and propagationPolicy. */
  readonly deletes: { name: string; propagationPolicy?: string }[];
  /** `METHOD path?query` of every request. */
  readonly requests: string[];
  /** Resolves once a pod of `job` runs (for tests that cancel). */
  podRunning(job?: string): Promise<void>;
  close(): Promise<void>;
}

/** Options of the fake server. */
export interface FakeKubeOptions {
  readonly kubelet: Kubelet;
  /** Answer watches with 405 (the executor must fall back to polling). */
  readonly noWatch?: boolean;
  /** Close each watch stream after this many events (the executor must re-establish it). */
  readonly watchCloseAfter?: number;
  /** Secrets by name: a container's `envFrom: [{secretRef}]` adds their keys to its env, as the kubelet does. */
  readonly secrets?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** Starts the fake API server. */
export async function startFakeKubeApi(opts: FakeKubeOptions): Promise<FakeKubeApi> {
  let rv = 1;
  const jobs = new Map<string, Json>(); // ns/name
  const pods = new Map<string, Json>(); // ns/name
  const logs = new Map<string, { lines: string[]; done: boolean; listeners: Set<() => void> }>();
  const watchers = new Set<{ ns: string; name?: string; send: (type: string, obj: Json) => void }>();
  const aborts = new Map<string, AbortController>(); // per job
  const runningWaiters: { job?: string; resolve: () => void }[] = [];
  const api: FakeKubeApi = {
    url: '',
    kubeconfig: '',
    posted: [],
    invalid: [],
    responseErrors: [],
    deletes: [],
    requests: [],
    podRunning: (job) =>
      new Promise((resolve) => {
        if ([...pods.values()].some((p) => p.status.phase === 'Running' && (!job || p.metadata.labels['job-name'] === job))) resolve();
        else runningWaiters.push({ job, resolve });
      }),
    close: async () => undefined,
  };
  const check = (obj: Json): void => {
    for (const e of k8sErrors(obj)) api.responseErrors.push(e);
  };
  const bump = (obj: Json): void => {
    obj.metadata.resourceVersion = String(++rv);
  };
  const notifyJob = (type: string, job: Json): void => {
    check(job);
    for (const w of watchers) if (w.ns === job.metadata.namespace && (!w.name || w.name === job.metadata.name)) w.send(type, job);
  };
  const setJob = (job: Json, mutate: (j: Json) => void): void => {
    mutate(job);
    bump(job);
    notifyJob('MODIFIED', job);
  };
  const status = (code: number, reason: string, message: string): Json => ({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: code < 300 ? 'Success' : 'Failure',
    message,
    reason,
    code,
  });
  const send = (res: ServerResponse, code: number, body: Json): void => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  async function runPod(job: Json, index: number | undefined, signal: AbortSignal): Promise<{ exitCode: number; pod: Json }> {
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
        resourceVersion: String(++rv),
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
    pods.set(`${ns}/${name}`, pod);
    const log = { lines: [] as string[], done: false, listeners: new Set<() => void>() };
    logs.set(`${ns}/${name}`, log);
    check(pod);
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
    setJob(job, (j) => (j.status.active = (j.status.active ?? 0) + 1));
    for (const w of runningWaiters.splice(0))
      if (!w.job || w.job === jname) w.resolve();
      else runningWaiters.push(w);
    const env: Record<string, string> = {};
    for (const from of container.envFrom ?? []) Object.assign(env, opts.secrets?.[from.secretRef?.name] ?? {});
    for (const e of container.env ?? []) env[e.name] = e.value;
    if (indexed) env.JOB_COMPLETION_INDEX = String(index);
    let r: { exitCode: number; message?: string };
    try {
      r = await opts.kubelet(
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
    pod.metadata.resourceVersion = String(++rv);
    check(pod);
    setJob(job, (j) => {
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

  async function control(job: Json): Promise<void> {
    const spec = job.spec;
    const ac = aborts.get(`${job.metadata.namespace}/${job.metadata.name}`)!;
    const indexed = spec.completionMode === 'Indexed';
    const completions: number = spec.completions ?? 1;
    const parallelism: number = spec.parallelism ?? 1;
    setJob(job, (j) => (j.status = { startTime: now(), active: 0, ready: 0, terminating: 0 }));
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
        const { exitCode } = await runPod(job, indexed ? i : undefined, ac.signal);
        if (ac.signal.aborted) return;
        if (exitCode === 0) {
          completed.add(i);
          if (indexed) setJob(job, (j) => (j.status.completedIndexes = ranges(completed)));
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
          setJob(job, (j) => (j.status.failedIndexes = ranges(failedIdx)));
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
    if (!jobs.has(`${job.metadata.namespace}/${job.metadata.name}`)) return; // deleted
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
    setJob(job, (j) => {
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

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    api.requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (req.headers.authorization !== 'Bearer fake-token') return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    let m: RegExpMatchArray | null;
    if ((m = url.pathname.match(/^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs$/))) {
      const ns = decodeURIComponent(m[1]!);
      if (req.method === 'POST') {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json;
        api.posted.push(body);
        const errors = k8sErrors(body);
        if (errors.length > 0) {
          api.invalid.push(errors);
          return send(res, 422, status(422, 'Invalid', `Job.batch is invalid: ${errors.join('; ')}`));
        }
        const name = body.metadata.name as string;
        if (jobs.has(`${ns}/${name}`)) return send(res, 409, status(409, 'AlreadyExists', `jobs.batch "${name}" already exists`));
        const job: Json = {
          ...body,
          metadata: {
            ...body.metadata,
            namespace: ns,
            uid: randomUUID(),
            resourceVersion: String(++rv),
            generation: 1,
            creationTimestamp: now(),
          },
          spec: {
            completionMode: 'NonIndexed',
            completions: 1,
            parallelism: 1,
            suspend: false,
            manualSelector: false,
            podReplacementPolicy: body.spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed',
            ...body.spec,
          },
          status: {},
        };
        if (job.spec.backoffLimitPerIndex === undefined) job.spec.backoffLimit ??= 6;
        jobs.set(`${ns}/${name}`, job);
        aborts.set(`${ns}/${name}`, new AbortController());
        check(job);
        notifyJob('ADDED', job);
        send(res, 201, job);
        setImmediate(() => void control(job));
        return;
      }
      if (req.method === 'GET' && url.searchParams.get('watch') === 'true') {
        if (opts.noWatch) return send(res, 405, status(405, 'MethodNotAllowed', 'watch is not served here'));
        const field = url.searchParams.get('fieldSelector') ?? '';
        const name = /^metadata\.name=(.+)$/.exec(field)?.[1];
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        let sent = 0;
        const w = {
          ns,
          name,
          send: (type: string, obj: Json) => {
            res.write(`${JSON.stringify({ type, object: obj })}\n`);
            if (opts.watchCloseAfter && ++sent >= opts.watchCloseAfter) {
              watchers.delete(w);
              res.end();
            }
          },
        };
        watchers.add(w);
        req.on('close', () => watchers.delete(w));
        for (const j of jobs.values()) if (j.metadata.namespace === ns && (!name || j.metadata.name === name)) w.send('ADDED', j);
        return;
      }
    }
    if ((m = url.pathname.match(/^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs\/([^/]+)$/))) {
      const key = `${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}`;
      const job = jobs.get(key);
      if (!job) return send(res, 404, status(404, 'NotFound', `jobs.batch "${m[2]}" not found`));
      if (req.method === 'GET') return send(res, 200, job);
      if (req.method === 'DELETE') {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json) : {};
        api.deletes.push({
          name: job.metadata.name,
          propagationPolicy: url.searchParams.get('propagationPolicy') ?? body.propagationPolicy,
        });
        jobs.delete(key);
        aborts.get(key)?.abort();
        bump(job);
        notifyJob('DELETED', job);
        return send(res, 200, {
          ...status(200, '', ''),
          details: { name: job.metadata.name, group: 'batch', kind: 'jobs', uid: job.metadata.uid },
        });
      }
    }
    if ((m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods$/)) && req.method === 'GET') {
      const ns = decodeURIComponent(m[1]!);
      const sel = (url.searchParams.get('labelSelector') ?? '')
        .split(',')
        .filter(Boolean)
        .map((s) => s.split('='));
      const items = [...pods.values()].filter((p) => p.metadata.namespace === ns && sel.every(([k, v]) => p.metadata.labels[k!] === v));
      const list = { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(rv) }, items };
      check(list);
      return send(res, 200, list);
    }
    if ((m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/)) && req.method === 'GET') {
      const key = `${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}`;
      const log = logs.get(key);
      if (!log) return send(res, 404, status(404, 'NotFound', `pods "${m[2]}" not found`));
      res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
      let at = 0;
      const flush = (): void => {
        while (at < log.lines.length) res.write(`${log.lines[at++]}\n`);
        if (log.done || url.searchParams.get('follow') !== 'true') {
          log.listeners.delete(flush);
          res.end();
        }
      };
      log.listeners.add(flush);
      req.on('close', () => log.listeners.delete(flush));
      flush();
      return;
    }
    send(res, 404, status(404, 'NotFound', `the fake API server does not serve ${req.method} ${url.pathname}`));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => send(res, 500, status(500, 'InternalError', String(e))));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(api, {
    url,
    kubeconfig: [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      '  cluster:',
      `    server: ${url}`,
      // client-node refuses plain HTTP unless told to skip TLS verification (the fake server has no certificate).
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: tester',
      '  user:',
      '    token: fake-token',
      'contexts:',
      '- name: fake',
      '  context:',
      '    cluster: fake',
      '    user: tester',
      '    namespace: ml',
      'current-context: fake',
      '',
    ].join('\n'),
    close: async () => {
      for (const a of aborts.values()) a.abort();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
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
