import type { FastifyInstance } from 'fastify';
import { SlipwayError } from '../errors/index.js';
import type { RolloutController } from './rollout-controller.js';

const ACTIONS = ['start', 'pause', 'resume', 'promote', 'abort'] as const;
type Action = (typeof ACTIONS)[number];

function bodyOf(body: unknown): { canary?: number | string; force?: boolean; reason?: string; actor?: string } {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new SlipwayError('BAD_REQUEST', 'send a JSON object, e.g. {"reason": "…"}');
  const b = body as Record<string, unknown>;
  const canary = b.canary;
  if (canary !== undefined && typeof canary !== 'number' && typeof canary !== 'string')
    throw new SlipwayError('BAD_REQUEST', '"canary" must be a version number or an alias name');
  if (b.reason !== undefined && typeof b.reason !== 'string') throw new SlipwayError('BAD_REQUEST', '"reason" must be a string');
  return { canary: canary as number | string | undefined, force: b.force === true, reason: b.reason as string | undefined };
}

/**
 * The rollout REST API on the model server:
 * `GET /v1/deployments`, `GET /v1/deployments/NAME/rollout`, and
 * `POST /v1/deployments/NAME/rollout/{start|pause|resume|promote|abort}` (body: `{canary?, force?, reason?}`).
 */
export function registerRolloutRoutes(app: FastifyInstance, c: RolloutController, deployments: () => readonly string[]): void {
  app.get('/v1/deployments', async () => ({
    deployments: deployments().map((name) => ({ name, rollout: c.status(name) ?? null })),
  }));
  app.get('/v1/deployments/:name/rollout', async (req) => {
    const { name } = req.params as { name: string };
    if (!deployments().includes(name))
      throw new SlipwayError(
        'DEPLOYMENT_NOT_FOUND',
        `no deployment "${name}" in slipway.yaml (deployments: ${deployments().join(', ') || 'none'})`,
      );
    return { rollout: c.status(name) ?? null };
  });
  app.post('/v1/deployments/:name/rollout/:action', async (req) => {
    const { name, action } = req.params as { name: string; action: string };
    if (!ACTIONS.includes(action as Action))
      throw new SlipwayError('ROUTE_NOT_FOUND', `no rollout action "${action}"; use ${ACTIONS.join(', ')}`);
    const b = bodyOf(req.body);
    const actor = 'api';
    switch (action as Action) {
      case 'start':
        return { rollout: await c.start(name, { canary: b.canary, force: b.force, reason: b.reason, actor }) };
      case 'pause':
        return { rollout: await c.pause(name, actor) };
      case 'resume':
        return { rollout: await c.resume(name, actor) };
      case 'promote':
        return { rollout: await c.promote(name, actor) };
      case 'abort':
        return { rollout: await c.abort(name, actor, b.reason ?? 'aborted through the API') };
    }
  });
}
