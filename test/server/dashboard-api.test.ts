import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lttb } from '../../src/tracking/index.js';
import { buildServer } from '../../src/server/app.js';
import { macroF1 } from '../../src/monitoring/monitoring-series.js';
import { seedWorkspace, type Seeded } from '../ui/seed-workspace.js';
import { tempDir } from '../helpers/temp-workspace.js';

let s: Seeded;
let ui: ReturnType<typeof tempDir>;

before(async () => {
  // A stand-in build of the dashboard: the server must serve whatever ui/dist holds.
  ui = tempDir({ 'index.html': '<!doctype html><div id="root"></div>', 'assets/app-1.js': 'console.log(1)' });
  s = await seedWorkspace({ uiDir: ui.dir, runs: 40, historyPoints: 20_000 });
});
after(async () => {
  await s.close();
  ui.cleanup();
});

test('runs: offset/limit paging with the total, filtered and sorted by the where language', async () => {
  const all = (await s.app.inject({ url: '/api/runs?experiment=sweep&limit=15&offset=0&order_by=start_time%20asc' })).json();
  assert.equal(all.total, 40);
  assert.equal(all.runs.length, 15);
  const page3 = (await s.app.inject({ url: '/api/runs?experiment=sweep&limit=15&offset=30&order_by=start_time%20asc' })).json();
  assert.equal(page3.runs.length, 10);
  assert.equal(page3.runs[0].name, 'run-00030');
  const f = (
    await s.app.inject({ url: `/api/runs?where=${encodeURIComponent("params.lr = 0.1 and status = 'FINISHED'")}&limit=5` })
  ).json();
  assert.ok(f.total > 0 && f.total < 40);
  assert.ok(f.runs.every((r: { params: { lr: string } }) => r.params.lr === '0.1'));
  const bad = await s.app.inject({ url: `/api/runs?where=${encodeURIComponent('metrics.acc ~ 3')}` });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.code, 'FILTER_INVALID');
});

test('run keys and experiments list what the runs table shows as columns', async () => {
  const keys = (await s.app.inject({ url: '/api/runs/keys?experiment=sweep' })).json().keys;
  assert.deepEqual(keys.params, ['batch', 'lr', 'optimizer']);
  assert.deepEqual(keys.metrics, ['accuracy', 'loss']);
  assert.deepEqual(keys.tags, ['sweep']);
  const ex = (await s.app.inject({ url: '/api/experiments' })).json().experiments;
  assert.deepEqual(ex, [
    { name: 'mnist', runs: 1 },
    { name: 'sweep', runs: 40 },
  ]);
});

test('metric history downsampled with LTTB on the server keeps the ends and the extremes', async () => {
  const r = (await s.app.inject({ url: `/api/runs/${s.mainRun}/metrics/loss/history?max_points=500` })).json();
  assert.equal(r.total, 20_000);
  assert.equal(r.points.length, 500);
  assert.equal(r.downsampled, true);
  assert.equal(r.points[0].step, 0);
  assert.equal(r.points.at(-1).step, 19_999);
  const steps = r.points.map((p: { step: number }) => p.step);
  assert.deepEqual(
    steps,
    [...steps].sort((a, b) => a - b),
  );
  const small = (await s.app.inject({ url: `/api/runs/${s.mainRun}/metrics/accuracy/history?max_points=500` })).json();
  assert.equal(small.downsampled, false);
  assert.equal(small.points.length, 1);
});

test('lttb keeps a spike that every-nth sampling would miss', () => {
  const pts = Array.from({ length: 1000 }, (_, i) => ({ x: i, y: i === 501 ? 100 : 0 }));
  const kept = lttb(pts, 20);
  assert.equal(kept.length, 20);
  assert.ok(kept.some((p) => p.y === 100));
  assert.deepEqual(lttb(pts.slice(0, 10), 20), pts.slice(0, 10));
});

test('dataset diff between two versions', async () => {
  const r = await s.app.inject({ url: '/api/datasets/iris/diff?a=1&b=2' });
  assert.equal(r.statusCode, 200);
  const d = r.json().diff;
  assert.equal(d.changed.length, 1);
  assert.equal(d.changed[0].path, 'iris.csv');
  const missing = await s.app.inject({ url: '/api/datasets/iris/diff?a=1&b=9' });
  assert.equal(missing.statusCode, 404);
});

test('pipeline: the DAG with every stage stale (never run) and why', async () => {
  const r = (await s.app.inject({ url: '/api/pipeline' })).json();
  assert.deepEqual(
    r.stages.map((x: { name: string; upstream: string[] }) => [x.name, x.upstream]),
    [
      ['prepare', []],
      ['train', ['prepare']],
    ],
  );
  assert.equal(r.stages[0].state, 'stale');
  assert.ok(r.stages[0].reasons.length > 0 && typeof r.stages[0].reasons[0].message === 'string');
});

test('monitoring: models, a snapshot with per-version series, and live server-sent events', async () => {
  const models = (await s.app.inject({ url: '/api/monitoring' })).json().models;
  assert.deepEqual(
    models.map((m: { model: string; requests: number }) => [m.model, m.requests]),
    [['iris', 300]],
  );
  const snap = (await s.app.inject({ url: '/api/monitoring/iris?window=15m&buckets=10' })).json();
  assert.deepEqual(
    snap.series.versions.map((v: { version: number }) => v.version),
    [1, 2],
  );
  assert.deepEqual(snap.roles, { '1': ['production'] });
  const pts = snap.series.versions[0].points;
  assert.ok(pts.length > 0 && pts.every((p: { accuracy: number | null }) => p.accuracy === null || (p.accuracy > 0.5 && p.accuracy <= 1)));
  assert.equal((await s.app.inject({ url: '/api/monitoring/iris?window=forever' })).statusCode, 400);

  // SSE over a real socket: two snapshots arrive without a new request.
  const address = await s.app.listen({ port: 0, host: '127.0.0.1' });
  const port = (s.app.server.address() as AddressInfo).port;
  assert.ok(address.includes(String(port)));
  const events = await new Promise<string[]>((resolve, reject) => {
    const got: string[] = [];
    const req = request({ host: '127.0.0.1', port, path: '/api/monitoring/iris/stream?window=15m&every=250' }, (res) => {
      assert.equal(res.headers['content-type'], 'text/event-stream');
      let buf = '';
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          got.push(buf.slice(0, i));
          buf = buf.slice(i + 2);
          if (got.length === 2) {
            req.destroy();
            resolve(got);
          }
        }
      });
    });
    req.on('error', (e) => (got.length >= 2 ? undefined : reject(e)));
    req.end();
  });
  assert.ok(events.every((e) => e.startsWith('event: snapshot\ndata: ')));
  assert.equal(JSON.parse(events[1]!.split('data: ')[1]!).model, 'iris');
});

test('macro F1 of label pairs', () => {
  assert.equal(
    macroF1([
      ['a', 'a'],
      ['b', 'b'],
    ]),
    1,
  );
  assert.equal(
    macroF1([
      ['a', 'b'],
      ['b', 'a'],
    ]),
    0,
  );
  assert.equal(macroF1([]), 0);
});

test('the dashboard is served at / with a client-side route fallback; /api stays JSON', async () => {
  const root = await s.app.inject({ url: '/' });
  assert.equal(root.statusCode, 200);
  assert.match(root.headers['content-type'] as string, /text\/html/);
  assert.match(root.body, /id="root"/);
  const deep = await s.app.inject({ url: '/runs/01ABC?x=1' });
  assert.equal(deep.statusCode, 200);
  assert.match(deep.body, /id="root"/);
  const asset = await s.app.inject({ url: '/assets/app-1.js' });
  assert.equal(asset.statusCode, 200);
  assert.match(asset.headers['content-type'] as string, /javascript/);
  assert.match(asset.headers['cache-control'] as string, /immutable/);
  assert.equal((await s.app.inject({ url: '/assets/gone-2.js' })).statusCode, 404);
  const escape = await s.app.inject({ url: '/..%2f..%2fetc/passwd' });
  assert.match(escape.body, /id="root"/);
  const api = await s.app.inject({ url: '/api/nope' });
  assert.equal(api.statusCode, 404);
  assert.equal(api.json().error.code, 'ROUTE_NOT_FOUND');
});

test('without a build, / says how to build the dashboard', async () => {
  const t = tempDir();
  mkdirSync(join(t.dir, 'empty'), { recursive: true });
  const app = await buildServer({ workspace: s.ws, db: s.db, store: s.store, uiDir: join(t.dir, 'empty') });
  const r = await app.inject({ url: '/' });
  assert.equal(r.statusCode, 404);
  assert.match(r.body, /build:ui/);
  await app.close();
  t.cleanup();
});

test('with auth on, the dashboard files load without a token but every API route still needs one', async () => {
  const app = await buildServer({ workspace: s.ws, db: s.db, store: s.store, uiDir: ui.dir, token: 'ui-s3cret', auth: 'on' });
  try {
    assert.equal((await app.inject({ url: '/' })).statusCode, 200);
    assert.equal((await app.inject({ url: '/models/iris' })).statusCode, 200);
    const runs = await app.inject({ url: '/api/runs' });
    assert.equal(runs.statusCode, 401);
    assert.equal(runs.json().error.code, 'UNAUTHORIZED');
    assert.equal((await app.inject({ url: '/api/monitoring/iris/stream' })).statusCode, 401);
    assert.equal((await app.inject({ method: 'POST', url: '/runs' })).statusCode, 401);
    assert.equal((await app.inject({ url: '/api/runs', headers: { authorization: 'Bearer ui-s3cret' } })).statusCode, 200);
  } finally {
    await app.close();
  }
});

test('compare in two requests: runs by id in order, and many runs × keys of downsampled histories', async () => {
  const ids = [s.runIds[3]!, s.runIds[0]!, s.mainRun];
  const b = (await s.app.inject({ url: `/api/runs/batch?ids=${ids.join(',')}` })).json();
  assert.deepEqual(
    b.runs.map((r: { id: string }) => r.id),
    ids,
  );
  const missing = await s.app.inject({ url: `/api/runs/batch?ids=${ids[0]},NOPE` });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.code, 'RUN_NOT_FOUND');
  const h = (await s.app.inject({ url: `/api/metrics/histories?runs=${ids.join(',')}&keys=loss,accuracy&max_points=50` })).json().histories;
  assert.equal(h.length, 6);
  const main = h.find((x: { runId: string; key: string }) => x.runId === s.mainRun && x.key === 'loss');
  assert.equal(main.total, 20_000);
  assert.ok(main.value.length > 0 && main.value.length <= 50);
  assert.equal(main.step.length, main.value.length);
  // Accuracy spans steps 0–29 in these runs: 25 shared buckets two steps wide, each one low and one high.
  const sweep = h.find((x: { runId: string; key: string }) => x.runId === ids[0] && x.key === 'accuracy');
  assert.equal(sweep.total, 30);
  assert.equal(sweep.value.length, 30);
  assert.deepEqual(sweep.step.slice(0, 4), [1, 1, 3, 3]);
  const none = h.find((x: { runId: string; key: string }) => x.runId === s.mainRun && x.key === 'accuracy');
  assert.equal(none.total, 1);
  assert.deepEqual(none.value, [0.981]);
  // Runs of the same length get exact points when they fit.
  const exact = (await s.app.inject({ url: `/api/metrics/histories?runs=${ids[0]},${ids[1]}&keys=loss&max_points=100` })).json().histories;
  assert.deepEqual(
    exact[0].step,
    Array.from({ length: 30 }, (_, i) => i),
  );
  assert.equal(exact[0].downsampled, false);
});

test('a long history is reduced in SQL (bucket lows and highs) without losing a one-point spike, by step and by time', async () => {
  const { createRun, logBatch } = await import('../../src/tracking/index.js');
  const { id } = await createRun(s.db, { experiment: 'spiky' });
  const metrics = Array.from({ length: 30_000 }, (_, i) => ({
    key: 'm',
    value: i === 12_345 ? 50 : Math.sin(i / 100),
    step: i,
    timestamp: 5_000 + i * 3,
  }));
  for (let i = 0; i < metrics.length; i += 10_000) await logBatch(s.db, id, { metrics: metrics.slice(i, i + 10_000) });
  for (const x of ['step', 'time']) {
    const r = (await s.app.inject({ url: `/api/runs/${id}/metrics/m/history?max_points=100&x=${x}` })).json();
    assert.equal(r.total, 30_000);
    assert.equal(r.points.length, 100);
    assert.ok(r.points.some((p: { value: number }) => p.value === 50));
    assert.equal(r.points[0].step, 0);
    assert.equal(r.points.at(-1).step, 29_999);
    assert.ok(Math.min(...r.points.map((p: { value: number }) => p.value)) < -0.99);
  }
});
