/**
 * Authorization of control-plane routes (after routing, so path params are known) and the audit entry of every
 * write. The table below is the policy; the authorization matrix test walks it route by route.
 *
 *   reads (GET)                                     viewer (model routes: READ on the model; audit: admin)
 *   runs, metrics, artifacts, objects (writes)      developer
 *   POST /api/models/:name/versions, …/gates        EDIT on the model (developer, or a grant)
 *   alias move / rollback / promote                 deployer or MANAGE on the model, and a listed subject if protected
 *   promote with force                              admin
 *   /api/access/*, /api/audit*                      admin
 *   any other write                                 developer (deployments and rollouts: deployer)
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SlipwayError } from '../errors/index.js';
import { recordAudit, requireAliasMove, requireModelPermission, roleAtLeast, type Identity, type Role } from '../access/index.js';
import type { Db } from '../meta/index.js';

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function requireRole(who: Identity, need: Role, what: string): void {
  if (!roleAtLeast(who.role, need))
    throw new SlipwayError(
      'PERMISSION_DENIED',
      `${what} needs the ${need} role; ${who.name} is ${who.role} (an admin can change it: \`slipway auth role ${who.name} ${need}\`)`,
      {
        identity: who.name,
        need,
      },
    );
}

/** Checks one request against the policy above; throws PERMISSION_DENIED or ALIAS_PROTECTED. */
export async function authorizeRequest(db: Db, req: FastifyRequest): Promise<void> {
  const who = req.identity;
  const route = req.routeOptions.url ?? '';
  const params = (req.params ?? {}) as Record<string, string | undefined>;
  const what = `${req.method} ${route}`;
  if (route === '/api/health') return;
  if (route.startsWith('/api/access') || route.startsWith('/api/audit')) return requireRole(who, 'admin', what);
  const model = route.startsWith('/api/models/:name') ? params.name : undefined;
  if (!WRITE.has(req.method)) {
    if (model !== undefined) return requireModelPermission(db, who, model, 'READ');
    return requireRole(who, 'viewer', what);
  }
  if (model !== undefined) {
    if (/\/aliases\/:alias(\/(rollback|promote))?$/.test(route)) {
      if (route.endsWith('/promote') && (req.body as { force?: unknown } | undefined)?.force === true)
        requireRole(who, 'admin', 'a forced promotion (skipping gates)');
      return requireAliasMove(db, who, model, params.alias ?? '');
    }
    return requireModelPermission(db, who, model, 'EDIT');
  }
  if (route.startsWith('/api/deployments') || route.startsWith('/api/rollouts')) return requireRole(who, 'deployer', what);
  return requireRole(who, 'developer', what);
}

/** A JSON body, shortened for the audit log: raw uploads are recorded by size only. */
function changeOf(req: FastifyRequest): unknown {
  const b = req.body;
  if (b === undefined || b === null) return null;
  if (typeof b !== 'object' || typeof (b as { pipe?: unknown }).pipe === 'function')
    return { bytes: Number(req.headers['content-length'] ?? 0) || null };
  const s = JSON.stringify(b);
  return s.length <= 4096 ? b : { truncated: true, bytes: s.length, head: s.slice(0, 1024) };
}

const routeLists = new WeakMap<FastifyInstance, { method: string; url: string }[]>();

/** Every route registered on `app` after installRouteAccess (the authorization matrix test walks them all). */
export function listRoutes(app: FastifyInstance): readonly { method: string; url: string }[] {
  return routeLists.get(app) ?? [];
}

/** Installs authorization (preHandler) and the audit entry of every successful write (before the answer goes out). */
export function installRouteAccess(app: FastifyInstance, db: Db): void {
  const routes: { method: string; url: string }[] = [];
  routeLists.set(app, routes);
  app.addHook('onRoute', (r) => {
    for (const m of Array.isArray(r.method) ? r.method : [r.method]) if (m !== 'HEAD') routes.push({ method: m, url: r.url });
  });
  app.addHook('preHandler', async (req) => {
    if (req.identity === null) return; // /api/health without a token
    await authorizeRequest(db, req);
  });
  app.addHook('onSend', async (req, reply, payload) => {
    if (!WRITE.has(req.method) || reply.statusCode >= 400 || !req.identity) return payload;
    // The write is committed; the entry says who made it from where. A failure to record is logged, not hidden.
    await recordAudit(db, {
      actor: req.identity.name,
      source: req.ip,
      action: `${req.method} ${req.routeOptions.url ?? req.url}`,
      target: req.url.split('?')[0] ?? req.url,
      change: changeOf(req),
    }).catch((err: unknown) => req.log.error({ err }, 'could not write the audit entry'));
    return payload;
  });
}
