/**
 * The workspace's pipeline, read-only: the DAG of `slipway.yaml`, each stage's state against `slipway.lock`, and its
 * last tracked runs.
 *
 *   curl -s localhost:5000/api/pipeline
 *   → { "stages": [{ "name": "train", "cmd": [...], "deps": [...], "outs": [...], "upstream": ["prepare"],
 *        "state": "stale", "reasons": [{ "kind": "dep_changed", …, "message": "…" }], "running": false,
 *        "lastRuns": [{ "id": …, "status": "FINISHED", "startTime": …, "endTime": … }] }] }
 */
import { existsSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import { describeReason, loadPipeline, pipelineEnv, pipelineStatus } from '../../pipeline/index.js';
import { listRuns } from '../../tracking/index.js';
import type { ServerContext } from '../server-context.js';

/** Pipeline route (DAG + status + last runs of each stage). */
export const pipelineRoutes: FastifyPluginAsync<ServerContext> = async (app, ctx) => {
  const { db, store, workspace } = ctx;

  app.get('/api/pipeline', async () => {
    // A workspace without slipway.yaml has no pipeline: an empty DAG, not an error.
    if (!existsSync(workspace.configPath)) return { stages: [] };
    const pipeline = loadPipeline(workspace.root, workspace.configPath);
    if (pipeline.order.length === 0) return { stages: [] };
    const env = pipelineEnv(workspace, db, store);
    let status;
    try {
      status = await pipelineStatus(env, pipeline);
    } finally {
      env.close();
    }
    const byStage = new Map(status.map((s) => [s.stage, s]));
    const stages = await Promise.all(
      pipeline.order.map(async (name) => {
        const stage = pipeline.stages.get(name)!;
        const st = byStage.get(name);
        const runs = await listRuns(db, { where: `tags.slipway.stage = '${name.replace(/'/g, "''")}'`, limit: 5 });
        return {
          name,
          cmd: stage.cmd,
          deps: stage.deps,
          outs: stage.outs.map((o) => o.path),
          upstream: pipeline.upstream.get(name) ?? [],
          state: st?.state ?? 'stale',
          reasons: (st?.reasons ?? []).map((r) => ({ ...r, message: describeReason(r) })),
          running: runs.some((r) => r.status === 'RUNNING'),
          lastRuns: runs.map((r) => ({ id: r.id, status: r.status, startTime: r.startTime, endTime: r.endTime, metrics: r.metrics })),
        };
      }),
    );
    return { stages };
  });
};
