import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** How the fake registry behaves. */
export interface FakeRegistryOptions {
  /** Answer every /v2/ request after auth with this status (404, 500…) instead of serving. */
  readonly failWith?: number;
  /** Require a bearer token obtained from /token with these basic credentials. */
  readonly bearer?: { readonly username: string; readonly password: string };
}

/**
 * A small in-memory registry speaking the distribution API's push and pull calls with the official response shapes
 * (202 + Location for uploads, 201 for PUTs, Docker-Content-Digest), a Bearer challenge and a token endpoint; used
 * where the real registry cannot be made to answer 404/500 or to ask for tokens.
 */
export async function startFakeRegistry(
  opts: FakeRegistryOptions = {},
): Promise<{ host: string; requests: string[]; manifests: Map<string, Buffer>; close: () => Promise<void> }> {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, Buffer>();
  const requests: string[] = [];
  const TOKEN = 'tok-123';
  let host = '';
  const body = async (req: IncomingMessage): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(value));
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url!, `http://${host}`);
      requests.push(`${req.method} ${url.pathname}`);
      const data = await body(req);
      if (url.pathname === '/token') {
        const want = `Basic ${Buffer.from(`${opts.bearer?.username}:${opts.bearer?.password}`).toString('base64')}`;
        if (req.headers.authorization !== want) return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] });
        return json(res, 200, { token: TOKEN, expires_in: 300 });
      }
      if (opts.bearer && req.headers.authorization !== `Bearer ${TOKEN}`)
        return json(
          res,
          401,
          { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
          {
            'www-authenticate': `Bearer realm="http://${host}/token",service="fake",scope="repository:acme/iris:pull,push"`,
          },
        );
      if (opts.failWith)
        return json(res, opts.failWith, { errors: [{ code: opts.failWith === 404 ? 'NAME_UNKNOWN' : 'UNKNOWN', message: 'refused' }] });
      let m: RegExpExecArray | null;
      if ((m = /^\/v2\/(.+)\/blobs\/uploads\/(\w*)$/.exec(url.pathname))) {
        if (req.method === 'POST') {
          res.writeHead(202, {
            location: `/v2/${m[1]}/blobs/uploads/u${requests.length}`,
            'docker-upload-uuid': `u${requests.length}`,
            'content-length': '0',
          });
          return res.end();
        }
        const digest = url.searchParams.get('digest')!;
        if (`sha256:${createHash('sha256').update(data).digest('hex')}` !== digest)
          return json(res, 400, { errors: [{ code: 'DIGEST_INVALID' }] });
        blobs.set(digest, data);
        res.writeHead(201, { location: `/v2/${m[1]}/blobs/${digest}`, 'docker-content-digest': digest, 'content-length': '0' });
        return res.end();
      }
      if ((m = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]+)$/.exec(url.pathname))) {
        const b = blobs.get(m[2]!);
        if (!b) return json(res, 404, { errors: [{ code: 'BLOB_UNKNOWN' }] });
        res.writeHead(200, { 'content-length': String(b.length), 'docker-content-digest': m[2]! });
        return res.end(req.method === 'HEAD' ? undefined : b);
      }
      if ((m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname))) {
        if (req.method === 'PUT') {
          const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
          manifests.set(m[2]!, data);
          manifests.set(digest, data);
          res.writeHead(201, { 'docker-content-digest': digest, location: `/v2/${m[1]}/manifests/${digest}`, 'content-length': '0' });
          return res.end();
        }
        const b = manifests.get(m[2]!);
        if (!b) return json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] });
        res.writeHead(200, {
          'content-type': 'application/vnd.oci.image.manifest.v1+json',
          'docker-content-digest': `sha256:${createHash('sha256').update(b).digest('hex')}`,
        });
        return res.end(b);
      }
      json(res, 404, { errors: [{ code: 'NOT_FOUND' }] });
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return { host, requests, manifests, close: () => new Promise((r) => server.close(() => r())) };
}
