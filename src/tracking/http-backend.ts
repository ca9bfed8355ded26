import { openAsBlob, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SlipwayError, catalogue, type ErrorCode } from '../errors/index.js';
import { listFiles, sha256File } from '../store/index.js';
import type { ArtifactRecord, MetricRow, RunQuery, TrackingBackend } from './backend.js';
import type { MetricPoint, RunRecord } from './types.js';

/** Metric points per log-batch request (keeps each body well under the server's default 1 MiB limit). */
const POINTS_PER_REQUEST = 5000;
const BYTES_PER_REQUEST = 512 * 1024;

/** Encodes a slash-separated path for a URL, segment by segment. */
export function encodePath(p: string): string {
  return p
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

/** The backend that talks to a control-plane server (`slipway server`) over its REST API. */
export function httpBackend(baseUrl: string, opts: { token?: string | undefined } = {}): TrackingBackend {
  const base = baseUrl.replace(/\/+$/, '');
  const auth: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};

  async function call<T>(method: string, path: string, body?: unknown, raw?: { blob: Blob; type?: string }): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: raw
          ? { ...auth, 'content-type': raw.type ?? 'application/octet-stream' }
          : body === undefined
            ? auth
            : { ...auth, 'content-type': 'application/json' },
        body: raw ? raw.blob : body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new SlipwayError(
        'UNAVAILABLE',
        `cannot reach the tracking server at ${base} (${(e as Error).message}); start it with \`slipway server\` or unset SLIPWAY_TRACKING_URI`,
        { url: base },
        { cause: e },
      );
    }
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // fall through: a non-JSON answer is reported below
    }
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined)?.error;
      const code = err?.code && err.code in catalogue ? (err.code as ErrorCode) : 'INTERNAL';
      throw new SlipwayError(
        code,
        err?.message ?? `tracking server answered ${res.status} ${res.statusText} for ${method} ${path}`,
        err?.details,
      );
    }
    return json as T;
  }

  const runPath = (id: string): string => `/api/runs/${encodeURIComponent(id)}`;

  return {
    kind: 'http',
    async createRun(input) {
      const r = await call<{ run: RunRecord }>('POST', '/api/runs', input);
      return { id: r.run.id, experiment: r.run.experiment };
    },
    async logBatch(id, batch) {
      // Split by an estimate of the encoded size so every request stays under the server's body limit.
      const metrics = batch.metrics ?? [];
      let part: MetricRow[] = [];
      let bytes = 0;
      let first = true;
      const send = async (): Promise<void> => {
        await call('POST', `${runPath(id)}/log-batch`, first ? { ...batch, metrics: part } : { metrics: part });
        first = false;
        part = [];
        bytes = 0;
      };
      for (const m of metrics) {
        part.push(m);
        bytes += 80 + m.key.length;
        if (part.length >= POINTS_PER_REQUEST || bytes >= BYTES_PER_REQUEST) await send();
      }
      if (first || part.length > 0) await send();
    },
    async logArtifact(id, path, name) {
      let st;
      try {
        st = statSync(path);
      } catch {
        throw new SlipwayError('ARTIFACT_NOT_FOUND', `cannot log artifact ${resolve(path)}: no such file or folder`, { path });
      }
      if (!st.isDirectory()) {
        const r = await call<{ artifact: ArtifactRecord }>('PUT', `${runPath(id)}/artifacts/${encodePath(name)}`, undefined, {
          blob: await openAsBlob(path),
        });
        return r.artifact;
      }
      // A folder: hash locally, upload only the objects the server lacks, then attach the tree.
      const files = listFiles(path);
      const entries = [];
      for (const rel of files) {
        const full = join(path, rel);
        const { hash, size } = await sha256File(full);
        entries.push({ path: rel, hash, size, mode: statSync(full).mode & 0o111 ? 0o755 : 0o644, full });
      }
      const { missing } = await call<{ missing: string[] }>('POST', '/api/objects/missing', { hashes: entries.map((e) => e.hash) });
      const need = new Set(missing);
      for (const e of entries) {
        if (!need.has(e.hash)) continue;
        need.delete(e.hash);
        await call('PUT', `/api/objects/${e.hash}`, undefined, { blob: await openAsBlob(e.full) });
      }
      const r = await call<{ artifact: ArtifactRecord }>('POST', `${runPath(id)}/artifacts`, {
        path: name,
        kind: 'tree',
        entries: entries.map(({ path: p, hash, size, mode }) => ({ path: p, hash, size, mode })),
      });
      return r.artifact;
    },
    async logInput(id, input) {
      await call('POST', `${runPath(id)}/inputs`, input);
    },
    async endRun(id, status) {
      await call('POST', `${runPath(id)}/end`, { status });
    },
    async getRun(id) {
      return (await call<{ run: RunRecord }>('GET', runPath(id))).run;
    },
    async listRuns(q: RunQuery) {
      const qs = new URLSearchParams();
      if (q.experiment !== undefined) qs.set('experiment', q.experiment);
      if (q.status !== undefined) qs.set('status', q.status);
      if (q.where !== undefined) qs.set('where', q.where);
      if (q.orderBy !== undefined) qs.set('order_by', q.orderBy);
      if (q.limit !== undefined) qs.set('limit', String(q.limit));
      const s = qs.toString();
      return (await call<{ runs: RunRecord[] }>('GET', `/api/runs${s ? `?${s}` : ''}`)).runs;
    },
    async metricHistory(id, key, page = {}) {
      // The server pages at most its own maximum per request; keep asking until the range is covered.
      const out: MetricPoint[] = [];
      let offset = page.offset ?? 0;
      let remaining = page.limit ?? Infinity;
      for (;;) {
        const qs = new URLSearchParams({ offset: String(offset) });
        if (Number.isFinite(remaining)) qs.set('limit', String(remaining));
        const r = await call<{ points: MetricPoint[]; next_offset: number | null }>(
          'GET',
          `${runPath(id)}/metrics/${encodeURIComponent(key)}/history?${qs.toString()}`,
        );
        out.push(...r.points);
        remaining -= r.points.length;
        if (r.next_offset === null || remaining <= 0 || r.points.length === 0) return out;
        offset = r.next_offset;
      }
    },
    async close() {
      // fetch keeps no state that needs closing
    },
  };
}
