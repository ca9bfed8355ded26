/**
 * Dataset versions, read-only (they are added with `slipway data add`):
 *
 *   curl -s localhost:5000/api/datasets                       # every dataset, latest version
 *   curl -s localhost:5000/api/datasets/mnist/versions        # all versions of one
 *   curl -s localhost:5000/api/datasets/mnist@2               # one version (files, bytes, tree hash, profile); no @N = latest
 *   curl -s localhost:5000/api/datasets/mnist@2/files/train.csv -o train.csv
 *   curl -s 'localhost:5000/api/datasets/mnist/diff?a=1&b=2'     # files added/removed/changed, profile deltas
 */
import { createReadStream } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { SlipwayError } from '../../errors/index.js';
import {
  diffDatasetVersions,
  getDatasetVersion,
  listDatasetVersions,
  listLatestDatasetVersions,
  parseDatasetRef,
} from '../../data/index.js';
import { assertSafePath, readTree } from '../../store/index.js';
import type { ServerContext } from '../server-context.js';
import { parseRequest } from '../parse-request.js';

/** Dataset routes (list, versions, show, file download). */
export const datasetRoutes: FastifyPluginAsync<ServerContext> = async (app, ctx) => {
  const { db, store } = ctx;

  app.get('/api/datasets', async () => ({ datasets: await listLatestDatasetVersions(db) }));

  app.get('/api/datasets/:name/versions', async (req) => {
    const { name } = parseRequest(z.object({ name: z.string().min(1) }), req.params, 'path');
    const ref = parseDatasetRef(name);
    const versions = await listDatasetVersions(db, ref.name);
    if (versions.length === 0) await getDatasetVersion(db, ref.name); // raises the data area's not-found error
    return { versions };
  });

  app.get('/api/datasets/:name/diff', async (req) => {
    const { name } = parseRequest(z.object({ name: z.string().min(1) }), req.params, 'path');
    const q = parseRequest(z.object({ a: z.coerce.number().int().positive(), b: z.coerce.number().int().positive() }), req.query, 'query');
    const [a, b] = await Promise.all([getDatasetVersion(db, `${name}@${q.a}`), getDatasetVersion(db, `${name}@${q.b}`)]);
    return { diff: diffDatasetVersions(store, a, b) };
  });

  app.get('/api/datasets/:ref', async (req) => {
    const { ref } = parseRequest(z.object({ ref: z.string().min(1) }), req.params, 'path');
    return { dataset: await getDatasetVersion(db, ref) };
  });

  app.get('/api/datasets/:ref/files/*', async (req, reply) => {
    const { ref, '*': path } = parseRequest(z.object({ ref: z.string().min(1), '*': z.string().min(1) }), req.params, 'path');
    assertSafePath(path);
    const v = await getDatasetVersion(db, ref);
    const entry = readTree(store, v.treeHash).entries.find((e) => e.path === path);
    if (!entry)
      throw new SlipwayError(
        'FILE_NOT_FOUND',
        `${v.name}@${v.version} has no file "${path}"; GET /api/datasets/${v.name}@${v.version} lists its files`,
        {
          path,
        },
      );
    if (!store.has(entry.hash))
      throw new SlipwayError('OBJECT_NOT_FOUND', `object ${entry.hash} of "${path}" is missing; run \`slipway data pull\``);
    return reply.type('application/octet-stream').send(createReadStream(store.pathOf(entry.hash)));
  });
};
