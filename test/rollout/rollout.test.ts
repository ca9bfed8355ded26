import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { slipwayConfigSchema } from '../../src/config/index.js';
import { openDb } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import { aliasHistory, listAliases, registerModel, setAlias } from '../../src/registry/index.js';
import { startModelServer } from '../../src/serving/index.js';
import { listAudit } from '../../src/access/index.js';
import { rolloutExtension } from '../../src/cli/rollout-host.js';
import type { RolloutState } from '../../src/rollout/index.js';
import { goesToCanary, stickyBucket } from '../../src/serving/traffic-router.js';
import { predictionPsi } from '../../src/rollout/index.js';
import { iris, trainSoftmax, writeDenseModel } from '../registry/fixtures.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';

test('sticky routing: the same request id always lands on the same side; shares follow the weight', () => {
  assert.equal(goesToCanary('abc', 0), false);
  assert.equal(goesToCanary('abc', 100), true);
  for (const id of ['a', 'b', 'req-17', randomUUID()]) assert.equal(goesToCanary(id, 25), goesToCanary(id, 25));
  let n = 0;
  for (let i = 0; i < 20_000; i++) if (goesToCanary(`r${i}`, 25)) n++;
  assert.ok(n > 4500 && n < 5500, `25% weight sent ${n} of 20000 requests to the canary`);
  assert.ok(stickyBucket('x') >= 0 && stickyBucket('x') < 10000);
  assert.equal(predictionPsi({ a: 50, b: 50 }, { a: 50, b: 50 }), 0);
  assert.ok(predictionPsi({ a: 90, b: 10 }, { a: 10, b: 90 })! > 1);
});

test('canary rollout on a real server: a good candidate is promoted, a bad one rolled back, no client request fails', async (t) => {
  const { ws, dir, cleanup } = tempWorkspace();
  const db = await openDb({ sqlitePath: ws.dbPath });
  const store = openObjectStore(ws.objectsDir);
  const hooks: { event: string; body: Record<string, unknown> }[] = [];
  const hookServer = createServer((req, res) => {
    let b = '';
    req.on('data', (d: Buffer) => (b += d.toString()));
    req.on('end', () => {
      hooks.push({ event: String(req.headers['x-slipway-event']), body: JSON.parse(b) as Record<string, unknown> });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  const hookPort = (hookServer.address() as { port: number }).port;
  let server: Awaited<ReturnType<typeof startModelServer>> | undefined;
  t.after(async () => {
    await server?.close();
    hookServer.close();
    await db.close();
    cleanup();
  });

  const data = iris();
  const labels = data.classNames;
  const reg = async (name: string, m: { w: Float32Array; b: Float32Array }, features = 4): Promise<number> => {
    const d = writeDenseModel(join(dir, 'models', name), m, { features, classes: 3, labels });
    return (await registerModel(db, store, { name: 'iris', from: { path: d } })).version;
  };
  const good = trainSoftmax(data, 4, 3, 300);
  const v1 = await reg('v1', good);
  const v2 = await reg('v2', trainSoftmax(data, 4, 3, 320));
  // Trained on shuffled labels: it answers, but it is wrong two times in three.
  const shuffled = Float32Array.from(data.y);
  let seed = 42;
  const rand = (): number => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const v3 = await reg('v3', trainSoftmax({ ...data, y: shuffled }, 4, 3, 300));
  const v4 = await reg('v4', trainSoftmax({ x: new Float32Array(data.rows * 5), y: data.y, rows: data.rows }, 5, 3, 1), 5);
  await setAlias(db, { model: 'iris', alias: 'production', version: v1, actor: 'test' });

  const config = slipwayConfigSchema.parse({
    deployments: {
      iris: {
        model: 'iris',
        stable: 'production',
        canary: { version: 'candidate', steps: [10, 50, 100], interval: '400ms' },
        // Bounds wide enough that sampling noise over 20 labelled answers never fails the good candidate.
        analysis: { min_requests: 20, max_error_rate: 0, max_accuracy_drop: 0.3, min_labelled: 20 },
        webhook: { url: `http://127.0.0.1:${hookPort}/hook` },
      },
    },
  });
  server = await startModelServer({
    db,
    store,
    models: [{ ref: 'iris' }],
    restPort: 0,
    grpcPort: null,
    pollIntervalMs: 100,
    extend: rolloutExtension(db, store, dir, ws.stateDir, config, () => undefined),
  });
  const base = `http://127.0.0.1:${server.restPort}`;

  // Traffic with ground truth for every request, as a labelling client would send it.
  let failed = 0;
  let sent = 0;
  let stop = false;
  const traffic = async (): Promise<void> => {
    for (let i = 0; !stop; i++) {
      const row = i % data.rows;
      const id = `req-${randomUUID()}`;
      const r = await fetch(`${base}/v1/models/iris:predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': id },
        body: JSON.stringify({ instances: [Array.from(data.x.subarray(row * 4, row * 4 + 4))] }),
      });
      sent++;
      if (r.status !== 200) failed++;
      await r.text();
      const f = await fetch(`${base}/v1/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ request_id: id, label: labels[data.y[row]!] }),
      });
      if (f.status !== 200) failed++;
      await f.text();
    }
  };
  const rollout = async (action: string, body: Record<string, unknown> = {}): Promise<{ status: number; rollout?: RolloutState }> => {
    const r = await fetch(`${base}/v1/deployments/iris/rollout/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: r.status, ...((await r.json()) as { rollout?: RolloutState }) };
  };
  const until = async (phase: string): Promise<RolloutState> => {
    for (let i = 0; i < 600; i++) {
      const r = (await (await fetch(`${base}/v1/deployments/iris/rollout`)).json()) as { rollout: RolloutState | null };
      if (r.rollout?.phase === phase) return r.rollout;
      if (r.rollout && r.rollout.phase !== 'progressing')
        assert.fail(`rollout ended ${r.rollout.phase}: ${JSON.stringify(r.rollout.decisions)}`);
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.fail(`rollout never reached ${phase}`);
  };

  const clients = [traffic(), traffic()];
  try {
    // A good candidate walks 10 → 50 → 100 and becomes production.
    await setAlias(db, { model: 'iris', alias: 'candidate', version: v2, actor: 'test' });
    const started = await rollout('start');
    assert.equal(started.status, 200, JSON.stringify(started));
    assert.equal(started.rollout!.weight, 10);
    // During the rollout, /labels/canary reaches the candidate.
    const c = await fetch(`${base}/v1/models/iris/labels/canary:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [[5.1, 3.5, 1.4, 0.2]] }),
    });
    assert.equal(c.status, 200);
    const again = await rollout('start');
    assert.equal(again.status, 409); // one rollout at a time
    const promoted = await until('promoted');
    assert.deepEqual(
      promoted.decisions.filter((d) => d.action !== 'extend').map((d) => d.action),
      ['next_step', 'next_step', 'promote'],
    );
    assert.equal((await listAliases(db, 'iris')).find((a) => a.alias === 'production')!.version, v2);
    const move = (await aliasHistory(db, 'iris', { alias: 'production' })).find((m) => m.to === v2)!;
    assert.equal(move.actor, 'rollout');
    assert.equal(move.to, v2);
    for (let i = 0; i < 50 && server.models.describe('iris').labels.production !== v2; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.models.describe('iris').labels.production, v2);

    // A bad candidate (shuffled labels) fails the accuracy rule at its first step and is rolled back at once.
    await setAlias(db, { model: 'iris', alias: 'candidate', version: v3, actor: 'test' });
    assert.equal((await rollout('start')).status, 200);
    const back = await until('rolled_back');
    assert.equal(back.weight, 0);
    const last = back.decisions.at(-1)!;
    assert.equal(last.action, 'rollback');
    const rule = last.checks.find((x) => x.rule === 'max_accuracy_drop')!;
    assert.equal(rule.passed, false);
    assert.ok(rule.value! > rule.bound, JSON.stringify(rule));
    assert.equal(server.models.plan('iris'), undefined); // no canary traffic any more
    assert.equal((await listAliases(db, 'iris')).find((a) => a.alias === 'production')!.version, v2);

    // A version with another input signature never takes traffic: the server keeps the one it serves and says why.
    await setAlias(db, { model: 'iris', alias: 'production', version: v4, actor: 'test' });
    await server.refresh();
    const d = server.models.describe('iris');
    assert.equal(d.labels.production, v2);
    assert.equal(d.refused?.version, v4);
    await setAlias(db, { model: 'iris', alias: 'production', version: v2, actor: 'test' });
  } finally {
    stop = true;
    await Promise.all(clients);
  }
  assert.ok(sent > 50, `only ${sent} requests sent`);
  assert.equal(failed, 0, `${failed} of ${sent} client requests failed`);

  // Every decision is in the audit chain with its figures; the webhook heard the rollback with its reason.
  const audit = await listAudit(db, { limit: 100 });
  const actions = audit.filter((a) => a.action.startsWith('rollout.')).map((a) => a.action);
  for (const a of ['rollout.start', 'rollout.promote', 'rollout.rollback'])
    assert.ok(actions.includes(a), `no ${a} in ${actions.join(', ')}`);
  const rb = audit.find((a) => a.action === 'rollout.rollback')!;
  assert.ok(JSON.stringify(rb.change).includes('max_accuracy_drop'));
  for (let i = 0; i < 50 && !hooks.some((h) => h.event === 'rollout.rollback'); i++) await new Promise((r) => setTimeout(r, 50));
  const hook = hooks.find((h) => h.event === 'rollout.rollback');
  assert.ok(hook, `webhook events: ${hooks.map((h) => h.event).join(', ')}`);
  assert.match(String(hook.body.reason), /max_accuracy_drop/);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /slipway_routed_requests_total\{model="iris",version="\d+",role="canary"\}/);
});
