/**
 * Artifacts: raw uploads into the content-addressed store, and downloads.
 *
 *   curl -s -X PUT --data-binary @model.onnx localhost:5000/api/runs/$RUN/artifacts/model.onnx
 *   curl -s localhost:5000/api/runs/$RUN/artifacts/model.onnx -o model.onnx
 *   curl -s localhost:5000/api/runs/$RUN/artifacts/saved-model/weights.bin   # a file inside a folder artifact
 *
 * A folder is sent as objects plus a manifest: POST /api/objects/missing {hashes} → {missing}, PUT /api/objects/:hash
 * (raw) for each missing one, then POST /api/runs/:id/artifacts {path, kind:"tree", entries:[{path,hash,size,mode}]}.
 */
import { createReadStream } from 'node:fs';
import { extname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { SlipwayError } from '../../errors/index.js';
import { addArtifact, getRun } from '../../tracking/index.js';
import { runStatus } from '../../tracking/run-repository.js';
import { assertSafePath, isHash, putTree, readTree } from '../../store/index.js';
import type { ServerContext } from '../server-context.js';
import { parseRequest } from '../parse-request.js';
import { streamIntoStore } from '../upload.js';

const artifactPath = z.object({ id: z.string().min(1), '*': z.string().min(1) });
const treeBody = z.object({
  path: z.string().min(1),
  kind: z.literal('tree'),
  entries: z
    .array(z.object({ path: z.string().min(1), hash: z.string(), size: z.number().int().min(0), mode: z.number().int() }))
    .max(1_000_000),
});

function checkArtifactPath(p: string): string {
  assertSafePath(p);
  return p.replace(/\/+$/, '');
}

/** Raw-body routes live in their own scope so only they accept any content type as a stream. */
async function rawRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
  const tmpDir = join(ctx.workspace.stateDir, 'tmp');

  app.put('/api/runs/:id/artifacts/*', async (req) => {
    const { id, '*': raw } = parseRequest(artifactPath, req.params, 'path');
    const path = checkArtifactPath(raw);
    await runStatus(ctx.db, id);
    if (!req.body) throw new SlipwayError('BAD_REQUEST', 'send the artifact bytes as the request body (curl --data-binary @FILE)');
    ctx.quota?.check(Number(req.headers['content-length'] ?? 0) || 0);
    const { hash, size } = await streamIntoStore(req.body as Readable, ctx.store, tmpDir, ctx.uploadLimit, undefined, ctx.quota);
    const artifact = { path, hash, size, kind: 'file' as const };
    await addArtifact(ctx.db, id, artifact);
    return { artifact };
  });

  app.put('/api/objects/:hash', async (req) => {
    const { hash } = parseRequest(z.object({ hash: z.string().refine(isHash, 'must be a sha256 hex id') }), req.params, 'path');
    if (!req.body) throw new SlipwayError('BAD_REQUEST', 'send the object bytes as the request body');
    ctx.quota?.check(Number(req.headers['content-length'] ?? 0) || 0);
    return streamIntoStore(req.body as Readable, ctx.store, tmpDir, ctx.uploadLimit, hash, ctx.quota);
  });
}

/** Artifact and object routes. */
export const artifactRoutes: FastifyPluginAsync<ServerContext> = async (app, ctx) => {
  const { db, store } = ctx;
  await app.register(async (scope) => rawRoutes(scope, ctx));

  app.post('/api/objects/missing', async (req) => {
    const { hashes } = parseRequest(
      z.object({ hashes: z.array(z.string().refine(isHash, 'must be a sha256 hex id')).max(1_000_000) }),
      req.body,
    );
    return { missing: [...new Set(hashes)].filter((h) => !store.has(h)) };
  });

  app.post('/api/runs/:id/artifacts', async (req) => {
    const { id } = parseRequest(z.object({ id: z.string().min(1) }), req.params, 'path');
    const body = parseRequest(treeBody, req.body);
    const path = checkArtifactPath(body.path);
    await runStatus(db, id);
    for (const e of body.entries) {
      if (!isHash(e.hash) || !store.has(e.hash))
        throw new SlipwayError(
          'BAD_REQUEST',
          `tree entry "${e.path}" names object ${e.hash}, which is not on the server; upload it first (PUT /api/objects/:hash)`,
          {
            path: e.path,
          },
        );
    }
    const hash = putTree(store, body.entries);
    const artifact = { path, hash, size: body.entries.reduce((s, e) => s + e.size, 0), kind: 'tree' as const };
    await addArtifact(db, id, artifact);
    return { artifact };
  });

  app.get('/api/runs/:id/artifacts/*', async (req, reply) => {
    const { id, '*': raw } = parseRequest(artifactPath, req.params, 'path');
    const path = checkArtifactPath(raw);
    const run = await getRun(db, id);
    const exact = run.artifacts.find((a) => a.path === path);
    let hash: string | undefined;
    if (exact?.kind === 'file') hash = exact.hash;
    else if (exact?.kind === 'tree') return reply.send(readTree(store, exact.hash));
    else {
      const parent = run.artifacts.find((a) => a.kind === 'tree' && path.startsWith(`${a.path}/`));
      if (parent) hash = readTree(store, parent.hash).entries.find((e) => e.path === path.slice(parent.path.length + 1))?.hash;
    }
    if (!hash)
      throw new SlipwayError('ARTIFACT_NOT_FOUND', `run ${id} has no artifact "${path}"; GET /api/runs/${id} lists its artifacts`, {
        runId: id,
        path,
      });
    if (!store.has(hash))
      throw new SlipwayError('OBJECT_NOT_FOUND', `artifact "${path}" (object ${hash}) is missing from the store; run \`slipway fsck\``);
    // A type from the name lets the dashboard preview images and SVG; the sandbox CSP keeps an SVG's scripts from
    // running when someone opens an artifact URL directly.
    return reply
      .type(ARTIFACT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream')
      .header('content-security-policy', "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox")
      .header('x-content-type-options', 'nosniff')
      .send(createReadStream(store.pathOf(hash)));
  });
};

/** Content types of artifacts the dashboard previews (anything else downloads as bytes). */
const ARTIFACT_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.csv': 'text/csv; charset=utf-8',
  '.tsv': 'text/tab-separated-values; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};
