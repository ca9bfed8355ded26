import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRun, getRun, listRuns, metricHistory, localBackend, httpBackend, type TrackingBackend } from '../../src/tracking/index.js';
import { openDb, type Db } from '../../src/meta/index.js';
import { openObjectStore, readTree, type ObjectStore } from '../../src/store/index.js';
import { buildServer } from '../../src/server/app.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';
import { TEST_DATABASE_URL, freshPostgresDatabase } from './fresh-postgres.js';

interface Harness {
  backend: TrackingBackend;
  db: Db;
  store: ObjectStore;
  dir: string;
  close(): Promise<void>;
}

async function localHarness(): Promise<Harness> {
  const t = tempWorkspace();
  const db = await openDb({ sqlitePath: t.ws.dbPath });
  const store = openObjectStore(t.ws.objectsDir);
  return {
    backend: localBackend(db, store),
    db,
    store,
    dir: t.dir,
    async close() {
      await db.close();
      t.cleanup();
    },
  };
}

async function postgresHarness(): Promise<Harness> {
  const t = tempWorkspace();
  const pgdb = await freshPostgresDatabase(TEST_DATABASE_URL!);
  const db = await openDb({ sqlitePath: t.ws.dbPath, databaseUrl: pgdb.url });
  const store = openObjectStore(t.ws.objectsDir);
  return {
    backend: localBackend(db, store),
    db,
    store,
    dir: t.dir,
    async close() {
      await db.close();
      await pgdb.drop();
      t.cleanup();
    },
  };
}

async function httpHarness(): Promise<Harness> {
  const t = tempWorkspace();
  const db = await openDb({ sqlitePath: t.ws.dbPath });
  const store = openObjectStore(t.ws.objectsDir);
  const app = await buildServer({ workspace: t.ws, db, store, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    backend: httpBackend(`http://127.0.0.1:${port}`),
    db,
    store,
    dir: t.dir,
    async close() {
      await app.close();
      await db.close();
      t.cleanup();
    },
  };
}

const harnesses: [string, () => Promise<Harness>][] = [
  ['local', localHarness],
  ['http', httpHarness],
];
// The same suite over PostgreSQL metadata when a test server is configured.
if (TEST_DATABASE_URL) harnesses.push(['local, PostgreSQL', postgresHarness]);

for (const [name, make] of harnesses) {
  describe(`tracking SDK contract (${name} backend)`, () => {
    let h: Harness;
    before(async () => {
      h = await make();
    });
    after(async () => {
      await h.close();
    });

    test('a run records params, tags, metrics, code version and environment', async () => {
      const run = await startRun({
        experiment: 'mnist',
        name: 'first',
        params: { lr: 0.01, epochs: 3, adam: true },
        tags: { team: 'vision' },
        backend: h.backend,
        workspace: h.dir,
      });
      for (let i = 0; i < 25; i++) run.logMetric('loss', 1 / (i + 1));
      run.logMetrics({ accuracy: 0.5 }, 0);
      run.logMetrics({ accuracy: 0.93 }, 1);
      await run.logParams({ batch: 64 });
      await run.setTags({ stage: 'dev' });
      await run.end('FINISHED');
      const rec = await h.backend.getRun(run.id);
      assert.equal(rec.experiment, 'mnist');
      assert.equal(rec.name, 'first');
      assert.equal(rec.status, 'FINISHED');
      assert.ok(rec.endTime !== null && rec.endTime >= rec.startTime);
      assert.deepEqual(rec.params, { adam: 'true', batch: '64', epochs: '3', lr: '0.01' });
      assert.deepEqual(rec.tags, { stage: 'dev', team: 'vision' });
      assert.equal(rec.metrics.accuracy, 0.93);
      assert.equal(rec.metrics.loss, 1 / 25);
      assert.equal(rec.env.node, process.version);
      assert.ok(Number(rec.env.cpus) >= 1);
      // The temp workspace is not a git checkout: no commit, not dirty.
      assert.equal(rec.code.commit, null);
      const hist = await h.backend.metricHistory(run.id, 'loss');
      assert.equal(hist.length, 25);
      assert.deepEqual(
        hist.map((p) => p.step),
        Array.from({ length: 25 }, (_, i) => i),
      );
      const page = await h.backend.metricHistory(run.id, 'loss', { offset: 20, limit: 3 });
      assert.deepEqual(
        page.map((p) => p.step),
        [20, 21, 22],
      );
      assert.equal(page[0]!.value, 1 / 21);
    });

    test('code version is recorded inside a dirty git checkout', async () => {
      const repo = join(h.dir, 'repo');
      mkdirSync(repo);
      const git = (...a: string[]): string =>
        execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...a], { cwd: repo, encoding: 'utf8' });
      git('init', '-q');
      writeFileSync(join(repo, 'train.py'), 'print(1)\n');
      git('add', '.');
      git('commit', '-q', '-m', 'init');
      const commit = git('rev-parse', 'HEAD').trim();
      writeFileSync(join(repo, 'train.py'), 'print(2)\n');
      const run = await startRun({ experiment: 'git', backend: h.backend, workspace: repo });
      await run.end();
      const rec = await h.backend.getRun(run.id);
      assert.equal(rec.code.commit, commit);
      assert.equal(rec.code.dirty, true);
      assert.match(rec.code.diffHash ?? '', /^[0-9a-f]{64}$/);
    });

    test('many points flush in batches and history pages through them', async () => {
      const run = await startRun({ experiment: 'bulk', backend: h.backend, workspace: h.dir, flushSize: 1000 });
      for (let i = 0; i < 12_345; i++) run.logMetric('x', i * 0.5, i);
      await run.flush();
      const mid = await h.backend.getRun(run.id);
      assert.equal(mid.metrics.x, 12_344 * 0.5);
      await run.end();
      const all = await h.backend.metricHistory(run.id, 'x');
      assert.equal(all.length, 12_345);
      assert.equal(all[12_344]!.value, 12_344 * 0.5);
      const tail = await h.backend.metricHistory(run.id, 'x', { offset: 12_340 });
      assert.equal(tail.length, 5);
    });

    test('artifacts: a file becomes an object, a folder a tree', async () => {
      mkdirSync(join(h.dir, 'model', 'sub'), { recursive: true });
      writeFileSync(join(h.dir, 'model', 'model.json'), '{"layers":[]}');
      writeFileSync(join(h.dir, 'model', 'sub', 'weights.bin'), Buffer.alloc(1000, 7));
      writeFileSync(join(h.dir, 'report.txt'), 'accuracy 0.9\n');
      const run = await startRun({ experiment: 'art', backend: h.backend, workspace: h.dir });
      const f = await run.logArtifact(join(h.dir, 'report.txt'));
      const t = await run.logArtifact(join(h.dir, 'model'), 'saved-model');
      await run.end();
      assert.equal(f.size, 13);
      assert.equal(h.store.getBytes(f.hash).toString(), 'accuracy 0.9\n');
      const tree = readTree(h.store, t.hash);
      assert.deepEqual(
        tree.entries.map((e) => e.path),
        ['model.json', 'sub/weights.bin'],
      );
      assert.equal(t.size, 1013);
      const rec = await h.backend.getRun(run.id);
      assert.deepEqual(
        rec.artifacts.map((a) => [a.path, a.kind]),
        [
          ['report.txt', 'file'],
          ['saved-model', 'tree'],
        ],
      );
      await assert.rejects(
        run.logArtifact(join(h.dir, 'missing.txt')),
        (e) => isSlipwayError(e, 'RUN_ENDED') || isSlipwayError(e, 'ARTIFACT_NOT_FOUND'),
      );
      assert.equal(readFileSync(join(h.dir, 'report.txt'), 'utf8'), 'accuracy 0.9\n');
    });

    test('inputs record dataset versions read', async () => {
      const run = await startRun({
        experiment: 'inp',
        backend: h.backend,
        workspace: h.dir,
        inputs: [{ dataset: 'mnist', version: 1, treeHash: 'a'.repeat(64) }],
      });
      await run.logInput({ dataset: 'iris', version: 2, treeHash: 'b'.repeat(64) });
      await run.end();
      const rec = await h.backend.getRun(run.id);
      assert.deepEqual(
        rec.inputs.map((i) => `${i.dataset}@${i.version}`),
        ['iris@2', 'mnist@1'],
      );
    });

    test('list runs filters by experiment, status and metric/param conditions, and sorts', async () => {
      const ids: string[] = [];
      for (const [lr, acc] of [
        [0.1, 0.8],
        [0.01, 0.95],
        [0.001, 0.91],
      ] as const) {
        const run = await startRun({ experiment: 'sweep', params: { lr }, backend: h.backend, workspace: h.dir });
        run.logMetric('accuracy', acc);
        await run.end(acc > 0.85 ? 'FINISHED' : 'FAILED');
        ids.push(run.id);
      }
      const good = await h.backend.listRuns({ experiment: 'sweep', where: 'metrics.accuracy > 0.9', orderBy: 'metrics.accuracy desc' });
      assert.deepEqual(
        good.map((r) => r.id),
        [ids[1], ids[2]],
      );
      const lr = await h.backend.listRuns({ experiment: 'sweep', where: 'metrics.accuracy > 0.9 and params.lr = 0.01' });
      assert.deepEqual(
        lr.map((r) => r.id),
        [ids[1]],
      );
      const failed = await h.backend.listRuns({ experiment: 'sweep', status: 'FAILED' });
      assert.deepEqual(
        failed.map((r) => r.id),
        [ids[0]],
      );
      const byLr = await h.backend.listRuns({ experiment: 'sweep', orderBy: 'params.lr asc', limit: 2 });
      assert.deepEqual(
        byLr.map((r) => r.params.lr),
        ['0.001', '0.01'],
      );
      const attr = await h.backend.listRuns({ where: "experiment = 'sweep' and status = 'FINISHED'" });
      assert.equal(attr.length, 2);
    });

    test('errors: unknown run, bad filter, conflicting param, ended run, bad metric', async () => {
      await assert.rejects(h.backend.getRun('01NOPE'), (e) => isSlipwayError(e, 'RUN_NOT_FOUND'));
      await assert.rejects(h.backend.metricHistory('01NOPE', 'x'), (e) => isSlipwayError(e, 'RUN_NOT_FOUND'));
      await assert.rejects(h.backend.listRuns({ where: 'metrics.accuracy >> 3' }), (e) => isSlipwayError(e, 'FILTER_INVALID'));
      await assert.rejects(h.backend.listRuns({ where: 'bogus = 1' }), (e) => isSlipwayError(e, 'FILTER_INVALID'));
      await assert.rejects(h.backend.listRuns({ orderBy: 'metrics.a sideways' }), (e) => isSlipwayError(e, 'FILTER_INVALID'));
      const run = await startRun({ experiment: 'err', params: { lr: 1 }, backend: h.backend, workspace: h.dir });
      await assert.rejects(run.logParams({ lr: 2 }), (e) => isSlipwayError(e, 'PARAM_CONFLICT'));
      await run.logParams({ lr: 1 });
      assert.throws(
        () => run.logMetric('loss', Number.NaN),
        (e) => isSlipwayError(e, 'METRIC_INVALID'),
      );
      await assert.rejects(h.backend.logBatch(run.id, { metrics: [{ key: 'k', value: 1, step: 0.5, timestamp: 1 }] }), (e) =>
        isSlipwayError(e, 'METRIC_INVALID'),
      );
      await run.end('KILLED');
      assert.throws(
        () => run.logMetric('loss', 1),
        (e) => isSlipwayError(e, 'RUN_ENDED'),
      );
      await assert.rejects(h.backend.endRun(run.id, 'FINISHED'), (e) => isSlipwayError(e, 'RUN_ENDED'));
      await assert.rejects(h.backend.logBatch(run.id, { metrics: [{ key: 'k', value: 1, step: 0, timestamp: 1 }] }), (e) =>
        isSlipwayError(e, 'RUN_ENDED'),
      );
      assert.equal((await h.backend.getRun(run.id)).status, 'KILLED');
    });

    test('the read API over the database sees what the backend wrote', async () => {
      const run = await startRun({ experiment: 'read', backend: h.backend, workspace: h.dir });
      run.logMetric('m', 3, 7);
      await run.end();
      const rec = await getRun(h.db, run.id);
      assert.equal(rec.metrics.m, 3);
      assert.deepEqual(await metricHistory(h.db, run.id, 'm'), [
        { step: 7, ts: (await metricHistory(h.db, run.id, 'm'))[0]!.ts, value: 3 },
      ]);
      assert.ok((await listRuns(h.db, { experiment: 'read' })).some((r) => r.id === run.id));
    });
  });
}
