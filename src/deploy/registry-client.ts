import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { SlipwayError } from '../errors/index.js';
import type { BlobDir } from './blob-dir.js';
import { MEDIA } from './oci-types.js';

/** Credentials for a registry (basic auth, or exchanged for a bearer token when the registry asks for one). */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

/** Options of a registry client. */
export interface RegistryClientOptions {
  readonly credentials?: RegistryCredentials;
  /** Talk plain HTTP (default only for localhost and 127.0.0.1, as docker treats them as insecure registries). */
  readonly plainHttp?: boolean;
}

/** What a manifest GET returned. */
export interface FetchedManifest {
  readonly bytes: Buffer;
  readonly mediaType: string;
  readonly digest: string;
}

const ACCEPT_MANIFESTS = [MEDIA.ociManifest, MEDIA.ociIndex, MEDIA.dockerManifest, MEDIA.dockerList].join(', ');

/** Parses `Bearer realm="…",service="…",scope="…"` (or `Basic realm="…"`). */
function parseChallenge(h: string): { scheme: string; params: Record<string, string> } {
  const m = /^(\w+)\s*(.*)$/s.exec(h.trim());
  const params: Record<string, string> = {};
  for (const p of (m?.[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) params[p[1]!.toLowerCase()] = p[2]!;
  return { scheme: (m?.[1] ?? '').toLowerCase(), params };
}

/** A client for the OCI distribution API (v2): manifests and blobs, with basic and bearer-token auth. */
export class RegistryClient {
  readonly base: string;
  private token: string | undefined;

  constructor(
    readonly registry: string,
    private readonly opts: RegistryClientOptions = {},
  ) {
    const host = registry === 'docker.io' ? 'registry-1.docker.io' : registry;
    const plain = opts.plainHttp ?? /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(host);
    this.base = `${plain ? 'http' : 'https'}://${host}`;
  }

  private basic(): string | undefined {
    const c = this.opts.credentials;
    return c ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` : undefined;
  }

  private async send(method: string, url: string, headers: Record<string, string>, body?: Buffer): Promise<Response> {
    try {
      return await fetch(url, { method, headers, body: body ? Uint8Array.from(body) : undefined, redirect: 'follow' });
    } catch (e) {
      throw new SlipwayError(
        'REGISTRY_FAILED',
        `cannot reach registry ${this.registry} (${(e as Error).cause ? String((e as Error & { cause: unknown }).cause) : (e as Error).message}); check the host and port`,
        { registry: this.registry },
      );
    }
  }

  /** Sends a request, answering one 401 challenge (Basic, or a Bearer token fetched from the realm). */
  async request(method: string, pathOrUrl: string, headers: Record<string, string> = {}, body?: Buffer): Promise<Response> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.base}${pathOrUrl}`;
    const auth = this.token ? `Bearer ${this.token}` : this.basic();
    let res = await this.send(method, url, auth ? { ...headers, authorization: auth } : headers, body);
    if (res.status !== 401) return res;
    const challenge = parseChallenge(res.headers.get('www-authenticate') ?? '');
    await res.arrayBuffer();
    if (challenge.scheme === 'bearer' && challenge.params.realm) {
      this.token = await this.fetchToken(challenge.params);
      res = await this.send(method, url, { ...headers, authorization: `Bearer ${this.token}` }, body);
    } else if (challenge.scheme === 'basic' && this.opts.credentials && !auth) {
      res = await this.send(method, url, { ...headers, authorization: this.basic()! }, body);
    }
    if (res.status === 401 || res.status === 403) {
      await res.arrayBuffer();
      throw new SlipwayError(
        'REGISTRY_UNAUTHORIZED',
        `registry ${this.registry} refused ${method} ${new URL(url).pathname} (${res.status}); give credentials with --creds USER:PASSWORD or log in (docker login writes ~/.docker/config.json)`,
        { registry: this.registry, status: res.status },
      );
    }
    return res;
  }

  private async fetchToken(params: Record<string, string>): Promise<string> {
    const u = new URL(params.realm!);
    if (params.service) u.searchParams.set('service', params.service);
    if (params.scope) u.searchParams.set('scope', params.scope);
    const basic = this.basic();
    const res = await this.send('GET', u.href, basic ? { authorization: basic } : {});
    if (!res.ok) {
      await res.arrayBuffer();
      throw new SlipwayError(
        'REGISTRY_UNAUTHORIZED',
        `the token service of ${this.registry} refused a token (${res.status}); check --creds`,
        { registry: this.registry, status: res.status },
      );
    }
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new SlipwayError('REGISTRY_UNAUTHORIZED', `the token service of ${this.registry} answered without a token`, {});
    return token;
  }

  /** Turns a failed response into the matching error (404 → REGISTRY_NOT_FOUND, others → REGISTRY_FAILED). */
  private async fail(res: Response, what: string): Promise<never> {
    const text = (await res.text()).slice(0, 300);
    if (res.status === 404)
      throw new SlipwayError(
        'REGISTRY_NOT_FOUND',
        `${what}: registry ${this.registry} answered 404 (${text.trim()}); check the repository and tag`,
        {
          registry: this.registry,
          status: 404,
        },
      );
    throw new SlipwayError(
      'REGISTRY_FAILED',
      `${what}: registry ${this.registry} answered ${res.status} (${text.trim()}); try again later`,
      {
        registry: this.registry,
        status: res.status,
      },
    );
  }

  /** GETs a manifest or index by tag or digest; verifies the digest when the reference is one. */
  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const res = await this.request('GET', `/v2/${repository}/manifests/${reference}`, { accept: ACCEPT_MANIFESTS });
    if (!res.ok) return this.fail(res, `pulling manifest ${repository}:${reference}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (reference.startsWith('sha256:') && reference !== digest)
      throw new SlipwayError(
        'REGISTRY_FAILED',
        `registry ${this.registry} sent a manifest whose digest ${digest} is not the requested ${reference}`,
        {},
      );
    const mediaType =
      (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType ?? res.headers.get('content-type') ?? MEDIA.ociManifest;
    return { bytes, mediaType, digest };
  }

  /** Downloads a blob into `blobs` (skipped when present), verifying its sha256; returns the bytes downloaded. */
  async pullBlob(repository: string, digest: string, blobs: BlobDir): Promise<number> {
    if (blobs.has(digest)) return 0;
    const res = await this.request('GET', `/v2/${repository}/blobs/${digest}`);
    if (!res.ok) return this.fail(res, `pulling blob ${digest}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    const got = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (got !== digest)
      throw new SlipwayError('REGISTRY_FAILED', `blob ${digest} from ${this.registry} hashed to ${got}; the download is corrupt`, {});
    const tmp = blobs.tempPath();
    try {
      writeFileSync(tmp, bytes);
      blobs.adopt(tmp, digest);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
    return bytes.length;
  }

  /** Uploads a blob (HEAD first: a blob the registry has is not sent again); returns the bytes sent. */
  async pushBlob(repository: string, digest: string, file: string): Promise<number> {
    const head = await this.request('HEAD', `/v2/${repository}/blobs/${digest}`);
    if (head.ok) return 0;
    if (head.status !== 404) return this.fail(head, `checking blob ${digest}`);
    const start = await this.request('POST', `/v2/${repository}/blobs/uploads/`);
    if (start.status !== 202) return this.fail(start, `starting the upload of ${digest}`);
    await start.arrayBuffer();
    const location = start.headers.get('location');
    if (!location) throw new SlipwayError('REGISTRY_FAILED', `registry ${this.registry} started an upload without a Location header`, {});
    const url = new URL(location, this.base);
    url.searchParams.set('digest', digest);
    const body = readFileSync(file);
    const put = await this.request(
      'PUT',
      url.href,
      { 'content-type': 'application/octet-stream', 'content-length': String(body.length) },
      body,
    );
    if (put.status !== 201) return this.fail(put, `uploading blob ${digest}`);
    await put.arrayBuffer();
    return body.length;
  }

  /** PUTs a manifest under a tag (the last step of a push: the tag appears only once every blob is there). */
  async putManifest(repository: string, tag: string, bytes: Buffer, mediaType: string): Promise<string> {
    const res = await this.request('PUT', `/v2/${repository}/manifests/${tag}`, { 'content-type': mediaType }, bytes);
    if (res.status !== 201) return this.fail(res, `pushing manifest ${repository}:${tag}`);
    await res.arrayBuffer();
    return res.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  }
}

/** Credentials for `registry` from a docker config file (`auths.<host>.auth`, base64 user:password), if any. */
export function dockerConfigCredentials(configPath: string, registry: string): RegistryCredentials | undefined {
  let cfg: { auths?: Record<string, { auth?: string; username?: string; password?: string }> };
  try {
    cfg = JSON.parse(readFileSync(configPath, 'utf8')) as typeof cfg;
  } catch {
    return undefined;
  }
  const keys =
    registry === 'docker.io'
      ? ['https://index.docker.io/v1/', 'docker.io', 'index.docker.io']
      : [registry, `https://${registry}`, `http://${registry}`];
  for (const k of keys) {
    const a = cfg.auths?.[k];
    if (!a) continue;
    if (a.username && a.password) return { username: a.username, password: a.password };
    if (a.auth) {
      const s = Buffer.from(a.auth, 'base64').toString('utf8');
      const i = s.indexOf(':');
      if (i > 0) return { username: s.slice(0, i), password: s.slice(i + 1) };
    }
  }
  return undefined;
}
