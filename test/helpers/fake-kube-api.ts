import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { k8sErrors } from './k8s-schema.js';
import { FIXTURES } from './temp-workspace.js';
import { now, runJob, type FakeCluster, type Json, type Kubelet, type PodLog } from './fake-job-controller.js';

export type { FakePodSpec, Kubelet } from './fake-job-controller.js';

/**
 * A fake Kubernetes API server on 127.0.0.1 (a real node:https server, test certificate) serving only what the kubernetes executor
 * calls: create/read/delete Jobs, watch Jobs (`?watch=true`, newline-delimited WatchEvents), list pods by label
 * selector, and a pod's log (with follow). Bodies follow the official 1.31 OpenAPI schema: every Job POSTed is
 * validated strictly (refused with a 422 Status like the real server, and recorded), and every Job and Pod the
 * server sends is checked too (`responseErrors`). A small Job controller runs pods through `kubelet` with the
 * semantics the executor relies on: backoffLimit, Indexed Jobs (completions, parallelism, backoffLimitPerIndex,
 * completedIndexes/failedIndexes), podFailurePolicy on exit codes, activeDeadlineSeconds, and the 1.31 conditions
 * (SuccessCriteriaMet/FailureTarget before Complete/Failed).
 */

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

/** Starts the fake API server. */
export async function startFakeKubeApi(opts: FakeKubeOptions): Promise<FakeKubeApi> {
  let rv = 1;
  const jobs = new Map<string, Json>(); // ns/name
  const pods = new Map<string, Json>(); // ns/name
  const logs = new Map<string, PodLog>();
  const watchers = new Set<{ ns: string; name?: string; send: (type: string, obj: Json) => void }>();
  const aborts = new Map<string, AbortController>(); // per job
  const jobRuns = new Set<Promise<void>>(); // the Job controller's runs, until they end
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
  const cluster: FakeCluster = {
    jobs,
    pods,
    logs,
    aborts,
    kubelet: opts.kubelet,
    secrets: opts.secrets,
    nextVersion: () => String(++rv),
    check,
    setJob,
    podStarted: (job) => {
      for (const w of runningWaiters.splice(0))
        if (!w.job || w.job === job) w.resolve();
        else runningWaiters.push(w);
    },
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
        // Tracked so close() can wait for the Job's pods: a cancelled pod may still be reading the remote.
        const run: Promise<void> = new Promise<void>((r) => setImmediate(r)).then(() => runJob(cluster, job));
        jobRuns.add(run);
        void run.finally(() => jobRuns.delete(run));
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

  // HTTPS as a real API server, with the test certificate the kubeconfig trusts (test/fixtures/k8s-tls).
  const cert = readFileSync(join(FIXTURES, 'k8s-tls', 'server.crt'));
  const key = readFileSync(join(FIXTURES, 'k8s-tls', 'server.key'));
  const server = createServer({ cert, key }, (req, res) => {
    handle(req, res).catch((e: unknown) => send(res, 500, status(500, 'InternalError', String(e))));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(api, {
    url,
    kubeconfig: [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      '  cluster:',
      `    server: ${url}`,
      `    certificate-authority-data: ${cert.toString('base64')}`,
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
      await Promise.allSettled([...jobRuns]);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  });
}
