import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { tempWorkspace } from '../helpers/temp-workspace.js';
import { TSX_IMPORT } from '../helpers/cli.js';
import { openDb, type Db } from '../../src/meta/index.js';
import { openObjectStore, type ObjectStore } from '../../src/store/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { registerModel, setAlias, aliasHistory, rollbackAlias, resolveModelRef, listAliases, promote } from '../../src/registry/index.js';
import { iris, trainSoftmax, writeDenseModel } from './fixtures.js';

let ws: ReturnType<typeof tempWorkspace>;
let db: Db;
let store: ObjectStore;

before(async () => {
  ws = tempWorkspace();
  db = await openDb({ sqlitePath: ws.ws.dbPath });
  store = openObjectStore(ws.ws.objectsDir);
  const d = iris();
  const dir = writeDenseModel(join(ws.dir, 'm'), trainSoftmax(d, 4, 3, 5), { features: 4, classes: 3 });
  for (const name of ['m', 'n']) for (let i = 0; i < 4; i++) await registerModel(db, store, { name, from: { path: dir } });
});

after(async () => {
  await db.close();
  ws.cleanup();
});

test('reserved and malformed alias names are refused', async () => {
  for (const alias of ['latest', 'v1', 'v22'])
    await assert.rejects(setAlias(db, { model: 'm', alias, version: 1, actor: 't' }), (e) => isSlipwayError(e, 'ALIAS_RESERVED'), alias);
  await assert.rejects(setAlias(db, { model: 'm', alias: 'bad alias', version: 1, actor: 't' }), (e) =>
    isSlipwayError(e, 'MODEL_REF_INVALID'),
  );
  await assert.rejects(setAlias(db, { model: 'm', alias: 'staging', version: 9, actor: 't' }), (e) =>
    isSlipwayError(e, 'MODEL_VERSION_NOT_FOUND'),
  );
  await assert.rejects(setAlias(db, { model: 'zz', alias: 'staging', version: 1, actor: 't' }), (e) =>
    isSlipwayError(e, 'MODEL_NOT_FOUND'),
  );
});

test('every move is recorded in history and the audit log; rollback walks back through the stack', async () => {
  await setAlias(db, { model: 'n', alias: 'champion', version: 1, actor: 'ann' });
  await setAlias(db, { model: 'n', alias: 'champion', version: 2, actor: 'bob', reason: 'better' });
  await setAlias(db, { model: 'n', alias: 'champion', version: 3, actor: 'bob' });
  assert.equal((await resolveModelRef(db, 'n:champion')).version, 3);
  const back = await rollbackAlias(db, { model: 'n', alias: 'champion', actor: 'cy' });
  assert.deepEqual([back.from, back.to, back.kind], [3, 2, 'rollback']);
  const back2 = await rollbackAlias(db, { model: 'n', alias: 'champion', actor: 'cy' });
  assert.deepEqual([back2.from, back2.to], [2, 1]);
  await assert.rejects(rollbackAlias(db, { model: 'n', alias: 'champion', actor: 'cy' }), (e) => isSlipwayError(e, 'ALIAS_NO_PREVIOUS'));
  await assert.rejects(rollbackAlias(db, { model: 'n', alias: 'nothing', actor: 'cy' }), (e) => isSlipwayError(e, 'ALIAS_NOT_FOUND'));
  const h = await aliasHistory(db, 'n', { alias: 'champion' });
  assert.deepEqual(
    h.map((m) => [m.from, m.to, m.actor, m.kind]),
    [
      [null, 1, 'ann', 'move'],
      [1, 2, 'bob', 'move'],
      [2, 3, 'bob', 'move'],
      [3, 2, 'cy', 'rollback'],
      [2, 1, 'cy', 'rollback'],
    ],
  );
  const audit = await db.all<{ action: string; target: string }>(
    `SELECT action, target FROM audit_chain WHERE target = 'n:champion' ORDER BY seq`,
  );
  assert.deepEqual(
    audit.map((a) => a.action),
    ['alias.set', 'alias.set', 'alias.set', 'alias.rollback', 'alias.rollback'],
  );
  assert.deepEqual(
    (await listAliases(db, 'n')).map((a) => [a.alias, a.version]),
    [['champion', 1]],
  );
});

test('two concurrent compare-and-set moves of one alias: exactly one wins, history stays consistent', async () => {
  await setAlias(db, { model: 'm', alias: 'staging', version: 1, actor: 't' });
  const results = await Promise.allSettled([
    setAlias(db, { model: 'm', alias: 'staging', version: 2, actor: 'a', expected: 1 }),
    setAlias(db, { model: 'm', alias: 'staging', version: 3, actor: 'b', expected: 1 }),
  ]);
  const won = results.filter((r) => r.status === 'fulfilled');
  const lost = results.filter((r) => r.status === 'rejected');
  assert.equal(won.length, 1);
  assert.ok(isSlipwayError((lost[0] as PromiseRejectedResult).reason, 'ALIAS_CONFLICT'));
  const h = await aliasHistory(db, 'm', { alias: 'staging' });
  assert.equal(h.length, 2);
  assert.equal(h[1]!.from, 1);
  assert.equal((await resolveModelRef(db, 'm:staging')).version, h[1]!.to);
});

test('two concurrent promotions of one alias: one ALIAS_CONFLICT, the alias moves once', async () => {
  const results = await Promise.allSettled([
    promote(db, { ref: 'm@2', alias: 'canary', actor: 'a', checkGates: async () => ({ passed: true, reportId: null }) }),
    promote(db, { ref: 'm@3', alias: 'canary', actor: 'b', checkGates: async () => ({ passed: true, reportId: null }) }),
  ]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  assert.ok(isSlipwayError((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason, 'ALIAS_CONFLICT'));
  assert.equal((await aliasHistory(db, 'm', { alias: 'canary' })).length, 1);
});

test('two processes racing a compare-and-set on the same alias: exactly one wins', async () => {
  await setAlias(db, { model: 'm', alias: 'production', version: 1, actor: 't' });
  const startAt = Date.now() + 1500;
  const runOne = (version: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [
        '--import',
        TSX_IMPORT,
        join(import.meta.dirname, 'alias-worker.ts'),
        ws.ws.dbPath,
        String(version),
        String(startAt),
      ]);
      let out = '';
      p.stdout.on('data', (b: Buffer) => (out += b.toString()));
      p.on('error', reject);
      p.on('close', () => resolve(out.trim()));
    });
  const outs = await Promise.all([runOne(2), runOne(3)]);
  assert.deepEqual([...outs].sort(), ['ALIAS_CONFLICT', 'won']);
  const h = await aliasHistory(db, 'm', { alias: 'production' });
  assert.equal(h.length, 2);
  assert.equal(h[1]!.from, 1);
  assert.equal((await resolveModelRef(db, 'm')).version, h[1]!.to);
});

test('webhooks: signed JSON POST on a move; a dead endpoint is recorded and does not block the move', async () => {
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const dead = createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const deadPort = (dead.address() as { port: number }).port;
  await new Promise<void>((r) => dead.close(() => r()));
  try {
    const failures: string[] = [];
    const move = await setAlias(db, {
      model: 'n',
      alias: 'hooked',
      version: 4,
      actor: 'hooker',
      webhooks: [
        { url: `http://127.0.0.1:${port}/hook`, secret: 's3cret' },
        { url: `http://127.0.0.1:${deadPort}/hook`, secret: 'x' },
        { url: `http://127.0.0.1:${port}/other`, events: ['alias.rollback'] },
      ],
      onWebhookFailure: (d) => failures.push(d.url),
    });
    assert.equal((await resolveModelRef(db, 'n:hooked')).version, 4);
    assert.equal(received.length, 1);
    const got = received[0]!;
    const expected = `sha256=${createHmac('sha256', 's3cret').update(got.body).digest('hex')}`;
    assert.equal(got.headers['x-slipway-signature'], expected);
    const payload = JSON.parse(got.body) as { event: string; move: { id: string; to: number; actor: string } };
    assert.equal(payload.event, 'alias.moved');
    assert.equal(payload.move.id, move.id);
    assert.equal(payload.move.to, 4);
    assert.equal(failures.length, 1);
    const rows = await db.all<{ ok: number; url: string }>(`SELECT ok, url FROM webhook_deliveries WHERE target = 'n:hooked' ORDER BY url`);
    assert.deepEqual(rows.map((r) => Number(r.ok)).sort(), [0, 1]);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('promote refuses failed gates unless forced with a reason; signature changes need permission', async () => {
  const failing = async (): Promise<{ passed: boolean; reportId: string }> => ({ passed: false, reportId: 'R1' });
  await setAlias(db, { model: 'n', alias: 'prod2', version: 1, actor: 't' });
  await assert.rejects(promote(db, { ref: 'n@2', alias: 'prod2', actor: 'a', checkGates: failing }), (e) =>
    isSlipwayError(e, 'GATES_NOT_PASSED'),
  );
  assert.equal((await resolveModelRef(db, 'n:prod2')).version, 1);
  await assert.rejects(promote(db, { ref: 'n@2', alias: 'prod2', actor: 'a', force: true, checkGates: failing }), (e) =>
    isSlipwayError(e, 'FORCE_NEEDS_REASON'),
  );
  await assert.rejects(promote(db, { ref: 'n@9', alias: 'prod2', actor: 'a' }), (e) => isSlipwayError(e, 'MODEL_VERSION_NOT_FOUND'));
  const r = await promote(db, { ref: 'n@2', alias: 'prod2', actor: 'a', force: true, reason: 'hotfix', checkGates: failing });
  assert.equal(r.move.forced, true);
  assert.equal(r.move.gateReportId, 'R1');
  const audit = await db.get<{ action: string; change_json: string }>(
    `SELECT action, change_json FROM audit_chain WHERE target = 'n:prod2' ORDER BY seq DESC LIMIT 1`,
  );
  assert.equal(audit?.action, 'alias.force');
  assert.match(audit!.change_json, /hotfix/);
  // A version with another signature.
  const d = iris();
  const other = writeDenseModel(join(ws.dir, 'renamed'), trainSoftmax(d, 4, 3, 1), { features: 4, classes: 3, inputName: 'features' });
  const v = await registerModel(db, store, { name: 'n', from: { path: other } });
  await assert.rejects(promote(db, { ref: `n@${v.version}`, alias: 'prod2', actor: 'a' }), (e) => isSlipwayError(e, 'SIGNATURE_MISMATCH'));
  assert.equal((await resolveModelRef(db, 'n:prod2')).version, 2);
  const ok = await promote(db, { ref: `n@${v.version}`, alias: 'prod2', actor: 'a', allowSignatureChange: true });
  assert.equal(ok.move.to, v.version);
});
