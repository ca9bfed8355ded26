import { createServer, type Server } from 'node:http';
import { parse } from 'yaml';

/** Group-version → the resources the fake API server knows (APIResourceList entries, as /apis/<gv> serves them). */
const RESOURCES: Record<string, { name: string; kind: string; namespaced: boolean }[]> = {
  v1: [{ name: 'services', kind: 'Service', namespaced: true }],
  'apps/v1': [{ name: 'deployments', kind: 'Deployment', namespaced: true }],
  'autoscaling/v2': [{ name: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespaced: true }],
  'policy/v1': [{ name: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true }],
  'serving.kserve.io/v1beta1': [{ name: 'inferenceservices', kind: 'InferenceService', namespaced: true }],
};

/** One request the fake API server received. */
export interface KubeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

/**
 * A local HTTP server answering the Kubernetes API calls server-side apply makes: discovery (APIResourceList) and
 * PATCH with application/apply-patch+yaml, answering with the object (or a Status with `failWith`).
 */
export async function startFakeKubeApi(
  opts: { failWith?: number } = {},
): Promise<{ url: string; requests: KubeRequest[]; close: () => Promise<void> }> {
  const requests: KubeRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const text = Buffer.concat(chunks).toString('utf8');
      requests.push({
        method: req.method!,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        contentType: req.headers['content-type'],
        body: text ? parse(text) : undefined,
      });
      const send = (status: number, v: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(v));
      };
      const gv = url.pathname === '/api/v1' ? 'v1' : url.pathname.replace(/^\/apis\//, '');
      if (req.method === 'GET' && RESOURCES[gv])
        return send(200, {
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: gv,
          resources: RESOURCES[gv]!.map((r) => ({
            ...r,
            singularName: r.kind.toLowerCase(),
            verbs: ['create', 'get', 'list', 'patch', 'watch'],
          })),
        });
      if (req.method === 'PATCH') {
        if (opts.failWith)
          return send(opts.failWith, {
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            message: 'admission webhook denied the request',
            reason: 'Forbidden',
            code: opts.failWith,
          });
        const obj = parse(text) as { metadata: Record<string, unknown> };
        return send(200, { ...obj, metadata: { ...obj.metadata, uid: 'u-1', resourceVersion: '1', generation: 1 } });
      }
      send(404, {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message: `${url.pathname} not found`,
        reason: 'NotFound',
        code: 404,
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { url, requests, close: () => new Promise((r) => server.close(() => r())) };
}

/** A kubeconfig pointing at `url` with a bearer token. */
export function kubeconfigFor(url: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{name: fake, cluster: {server: "' + url + '", insecure-skip-tls-verify: true}}]',
    'users: [{name: tester, user: {token: test-token}}]',
    'contexts: [{name: fake, context: {cluster: fake, user: tester, namespace: ml}}]',
    'current-context: fake',
  ].join('\n');
}
