import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { buildServer } from '../../src/server/app.js';
import { listRoutes } from '../../src/server/route-access.js';
import { openDb } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import { registerModel } from '../../src/registry/index.js';
import { createToken, type Role } from '../../src/access/index.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';
import { iris, trainSoftmax, writeDenseModel } from '../registry/fixtures.js';

/** The policy, written independently of src/server/route-access.ts: the least role each kind of route needs. */
function needs(method: string, url: string): Role {
  if (url.startsWith('/api/audit') || url.startsWith('/api/access')) return 'admin';
  if (method === 'GET') return 'viewer';
  if (/^\/api\/models\/:name\/aliases\/:alias/.test(url)) return 'deployer';
  if (url.startsWith('/api/deployments') || url.startsWith('/api/rollouts')) return 'deployer';
  return 'developer';
}

const RANK: Role[] = ['viewer', 'developer', 'deployer', 'admin'];

test('authorization matrix: every route × every role × no, bad and expired token answers as the policy says', async () => {
  const t = tempWorkspace();
  const db = await openDb({ sqlitePath: t.ws.dbPath });
  const store = openObjectStore(t.ws.objectsDir);
  const d = iris();
  const dir = writeDenseModel(join(t.dir, 'm'), trainSoftmax(d, 4, 3, 3), { features: 4, classes: 3 });
  await registerModel(db, store, { name: 'fraud', from: { path: dir } });
  const app = await buildServer({ workspace: t.ws, db, store, uiDir: false } as Parameters<typeof buildServer>[0]);
  try {
    const tokens = {} as Record<Role, string>;
    for (const role of RANK) tokens[role] = (await createToken(db, { name: `${role}-m`, role, actor: 'test' })).token;
    const expired = (await createToken(db, { name: 'expired-m', role: 'admin', actor: 'test', expiresInMs: 1, now: Date.now() - 60_000 }))
      .token;
    const runId = (
      await app.inject({
        method: 'POST',
        url: '/api/runs',
        payload: { experiment: 'm' },
        headers: { authorization: `Bearer ${tokens.admin}` },
      })
    ).json().run.id as string;
    const hash = createHash('sha256').update('x').digest('hex');
    const fill = (url: string): string =>
      url
        .replace(':name|:ref', 'fraud')
        .replace(':name', 'fraud')
        .replace(':version', '1')
        .replace(':alias', 'staging')
        .replace(':id', runId)
        .replace(':ref', 'fraud@1')
        .replace(':hash', hash)
        .replace(':key', 'loss')
        .replace(':model', 'fraud')
        .replace(/:[A-Za-z]+/g, 'x')
        .replace('*', 'x.bin');
    const routes = listRoutes(app).filter((r) => r.url.startsWith('/api/'));
    assert.ok(routes.length >= 25, `only ${routes.length} routes seen`);
    let checked = 0;
    for (const { method, url } of routes) {
      const raw = url.endsWith('*') && method === 'PUT';
      const send = (token: string | undefined) =>
        app.inject({
          method: method as 'GET',
          url: fill(url),
          payload: method === 'GET' ? undefined : raw ? 'x' : JSON.stringify({ version: 1, experiment: 'm', status: 'FINISHED' }),
          headers: {
            ...(method === 'GET' ? {} : { 'content-type': raw ? 'application/octet-stream' : 'application/json' }),
            ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          },
        });
      const label = `${method} ${url}`;
      const none = await send(undefined);
      assert.equal(none.statusCode, url === '/api/health' ? 200 : 401, `${label} without a token: ${none.body.slice(0, 150)}`);
      assert.equal((await send('slw_wrong')).statusCode, 401, `${label} with a bad token`);
      const ex = await send(expired);
      assert.equal(ex.statusCode, 401, `${label} with an expired token`);
      assert.equal(ex.json().error.code, 'TOKEN_EXPIRED');
      // Server-sent event streams never end; their token checks above are what matters here.
      if (url === '/api/health' || url.endsWith('/stream')) continue;
      for (const role of RANK) {
        const res = await send(tokens[role]);
        const allowed = RANK.indexOf(role) >= RANK.indexOf(needs(method, url));
        if (allowed)
          assert.ok(res.statusCode !== 401 && res.statusCode !== 403, `${label} as ${role}: ${res.statusCode} ${res.body.slice(0, 150)}`);
        else {
          assert.equal(res.statusCode, 403, `${label} as ${role} should be refused: ${res.body.slice(0, 150)}`);
          assert.equal(res.json().error.code, 'PERMISSION_DENIED');
        }
        checked++;
      }
    }
    assert.ok(checked >= 100);
  } finally {
    await app.close();
    await db.close();
    t.cleanup();
  }
});
