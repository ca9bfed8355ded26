import type { FastifyInstance } from 'fastify';
import type { SlipwayConfig } from '../config/index.js';
import { latestGateReport, promotionGateCheck } from '../gates/index.js';
import type { Db } from '../meta/index.js';
import { resolveModelRef } from '../registry/index.js';
import { createRolloutController, registerRolloutRoutes, type TrafficControl } from '../rollout/index.js';
import type { ObjectStore } from '../store/index.js';

/**
 * What `slipway serve` mounts when slipway.yaml declares deployments: the rollout controller (ticking every 200 ms, so
 * a failing window is rolled back well within a second of closing) steering this server's traffic, and its REST API.
 */
export function rolloutExtension(
  db: Db,
  store: ObjectStore,
  root: string,
  stateDir: string,
  config: SlipwayConfig,
  log: (line: string) => void,
):
  | ((app: FastifyInstance, server: { models: TrafficControl & object; refresh(): Promise<number> }) => Promise<() => Promise<void>>)
  | undefined {
  const deployments = config.deployments ?? {};
  if (Object.keys(deployments).length === 0) return undefined;
  return async (app, server) => {
    const controller = createRolloutController({
      db,
      stateDir,
      deployments: () => deployments,
      traffic: { setPlan: (m, p) => server.models.setPlan(m, p), refresh: () => server.refresh() },
      // A candidate gets traffic only after its gates passed: the latest stored report decides, else they run now.
      checkGates: async (model, version) => {
        const stored = await latestGateReport(db, model, version);
        if (stored) return { passed: stored.passed, reportId: stored.id };
        const mv = await resolveModelRef(db, `${model}@${version}`);
        return promotionGateCheck(db, store, { gates: config.gates, root })(mv);
      },
      log,
    });
    registerRolloutRoutes(app, controller, () => Object.keys(deployments));
    await controller.restore();
    const ticker = controller.run(200);
    return () => ticker.stop();
  };
}
