import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server/app.js';
import { openDb, type Db } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import { registerModel } from '../../src/registry/index.js';
import { assertSafeBind, createToken, grantModel, protectAlias } from '../../src/access/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';
import { iris, trainSoftmax, writeDenseModel } from '../registry/fixtures.js';

let app: FastifyInstance;
let db: Db;
let cleanup: () => void;
const tokens: Record<string, string> = {};

before(async () => {
  const t = tempWorkspace();
  cleanup = t.cleanup;
  db = await openDb({ sqlitePath: t.ws.dbPath });
  const store = openObjectStore(t.ws.objectsDir);
  const d = iris();
  const dir = writeDenseModel(join(t.dir, 'm'), trainSoftmax(d, 4, 3, 3), { features: 4, classes: 3 });
  await registerModel(db, store, { name: 'fraud', from: { path: dir } });
  await registerModel(db, store, { name: 'fraud', from: { path: dir } });
  app = await buildServer({ workspace: t.ws, db, store });
});
after(async () => {
  await app.close();
  await db.close();
  cleanup();
});

const call = (method: 'GET' | 'POST' | 'PUT', url: string, token?: string, payload?: unknown) =>
  app.inject({
    method,
    url,
    payload: payload === undefined ? undefined : JSON.stringify(payload),
    headers: {
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
  });

test('without any token on loopback the server is open, and the actor is never taken from the body', async () => {
  const r = await call('PUT', '/api/models/fraud/aliases/staging', undefined, { version: 1, actor: 'ceo' });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().move.actor, 'anonymous');
  const audit = await db.get<{ actor: string }>(`SELECT actor FROM audit_chain WHERE action = 'alias.set' ORDER BY seq DESC LIMIT 1`);
  assert.equal(audit?.actor, 'anonymous');
});

test('tokens: shown once, stored hashed; once one exists every route but health needs one (401 missing/bad/expired)', async () => {
  for (const role of ['viewer', 'developer', 'deployer', 'admin'] as const) {
    const { token } = await createToken(db, { name: `${role}-bot`, role, actor: 'test' });
    tokens[role] = token;
  }
  const expired = await createToken(db, { name: 'old', role: 'admin', actor: 'test', expiresInMs: 1000, now: Date.now() - 10_000 });
  const stored = await db.all<{ token_hash: string }>(`SELECT token_hash FROM access_tokens`);
  assert.ok(stored.every((r) => !Object.values(tokens).includes(r.token_hash) && /^[0-9a-f]{64}$/.test(r.token_hash)));
  assert.equal((await call('GET', '/api/health')).statusCode, 200);
  const none = await call('GET', '/api/runs');
  assert.equal(none.statusCode, 401);
  assert.equal(none.json().error.code, 'UNAUTHORIZED');
  assert.equal((await call('GET', '/api/runs', 'slw_not-a-token')).json().error.code, 'TOKEN_INVALID');
  const ex = await call('GET', '/api/runs', expired.token);
  assert.equal(ex.statusCode, 401);
  assert.equal(ex.json().error.code, 'TOKEN_EXPIRED');
  assert.equal((await call('GET', '/api/runs', tokens.viewer)).statusCode, 200);
});

test('the actor of an alias move is the token identity, even when the body says otherwise', async () => {
  const r = await call('PUT', '/api/models/fraud/aliases/staging', tokens.deployer, { version: 2, actor: 'ceo' });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().move.actor, 'deployer-bot');
  const hist = await call('GET', '/api/models/fraud/history', tokens.viewer);
  assert.ok(!JSON.stringify(hist.json()).includes('"ceo"'));
});

test('roles: viewer reads only, developer writes runs and registers, deployer moves aliases, force needs admin', async () => {
  assert.equal((await call('POST', '/api/runs', tokens.viewer, { experiment: 'e' })).json().error.code, 'PERMISSION_DENIED');
  assert.equal((await call('POST', '/api/runs', tokens.developer, { experiment: 'e' })).statusCode, 201);
  const dev = await call('PUT', '/api/models/fraud/aliases/staging', tokens.developer, { version: 1 });
  assert.equal(dev.statusCode, 403);
  assert.equal(dev.json().error.code, 'PERMISSION_DENIED');
  const force = await call('POST', '/api/models/fraud/aliases/hotfix/promote', tokens.deployer, { version: 1, force: true, reason: 'x' });
  assert.equal(force.statusCode, 403);
});

test('per-model grants raise one identity on one model (MANAGE lets a developer move aliases of that model only)', async () => {
  await grantModel(db, { subject: 'developer-bot', model: 'fraud', permission: 'MANAGE', actor: 'test' });
  assert.equal((await call('PUT', '/api/models/fraud/aliases/staging', tokens.developer, { version: 1 })).statusCode, 200);
  assert.equal((await call('PUT', '/api/models/other/aliases/staging', tokens.developer, { version: 1 })).statusCode, 403);
});

test('protected aliases: only the listed identity or role may move production', async () => {
  await protectAlias(db, { model: 'fraud', alias: 'production', subjects: ['release-bot', 'role:admin'], actor: 'test' });
  const d = await call('PUT', '/api/models/fraud/aliases/production', tokens.deployer, { version: 1 });
  assert.equal(d.statusCode, 403);
  assert.equal(d.json().error.code, 'ALIAS_PROTECTED');
  assert.equal((await call('PUT', '/api/models/fraud/aliases/production', tokens.developer, { version: 1 })).statusCode, 403);
  const { token } = await createToken(db, { name: 'release-bot', role: 'deployer', actor: 'test' });
  const ok = await call('PUT', '/api/models/fraud/aliases/production', token, { version: 1 });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().move.actor, 'release-bot');
  assert.equal(
    (await call('POST', '/api/models/fraud/aliases/production/rollback', tokens.deployer, {})).json().error.code,
    'ALIAS_PROTECTED',
  );
});

test('every HTTP write is in the audit chain with identity and source address', async () => {
  const rows = await db.all<{ actor: string; source: string | null; action: string }>(
    `SELECT actor, source, action FROM audit_chain WHERE action LIKE 'POST %'`,
  );
  const run = rows.find((r) => r.action === 'POST /api/runs' && r.actor === 'developer-bot');
  assert.ok(run, JSON.stringify(rows));
  assert.equal(run.source, '127.0.0.1');
  // Refused writes are not recorded as changes.
  assert.ok(!rows.some((r) => r.action === 'POST /api/runs' && r.actor === 'viewer-bot'));
});

test('binding beyond loopback needs auth: AUTH_REQUIRED without a token, unless --insecure', async () => {
  const t = tempWorkspace();
  const fresh = await openDb({ sqlitePath: t.ws.dbPath });
  try {
    await assert.rejects(assertSafeBind({ host: '0.0.0.0', db: fresh }), (e) => isSlipwayError(e, 'AUTH_REQUIRED'));
    assert.equal(await assertSafeBind({ host: '0.0.0.0', db: fresh, insecure: true }), 'off');
    assert.equal(await assertSafeBind({ host: '127.0.0.1', db: fresh }), 'auto');
    assert.equal(await assertSafeBind({ host: '0.0.0.0', db: fresh, legacyToken: 's' }), 'on');
    await createToken(fresh, { name: 'ci', role: 'deployer', actor: 'test' });
    assert.equal(await assertSafeBind({ host: '::', db: fresh }), 'on');
  } finally {
    await fresh.close();
    t.cleanup();
  }
});
