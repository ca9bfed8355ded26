/**
 * A workspace with something on every dashboard page: runs with histories and artifacts, two dataset versions,
 * a model with two versions, an alias and gates, a two-stage pipeline, and logged predictions with feedback.
 * Used by the dashboard's server tests, its browser tests and bench/ui.ts.
 */
import { copyFileSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Workspace } from '../../src/config/index.js';
import { buildServer } from '../../src/server/app.js';
import { openDb, type Db } from '../../src/meta/index.js';
import { openObjectStore, type ObjectStore } from '../../src/store/index.js';
import { createRun, endRun, logBatch } from '../../src/tracking/index.js';
import { addDataset } from '../../src/data/index.js';
import { registerModel, setAlias } from '../../src/registry/index.js';
import { tempWorkspace, FIXTURES } from '../helpers/temp-workspace.js';
import { iris, trainSoftmax, writeDenseModel } from '../registry/fixtures.js';

/** A 1×1 PNG. */
export const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

const CONFIG = `stages:
  prepare:
    cmd: node -e "require('fs').mkdirSync('prepared',{recursive:true})"
    deps: [data/iris.csv]
    outs: [prepared]
  train:
    cmd: node -e "1"
    deps: [prepared]
gates:
  iris:
    dataset: data/iris.csv
    rules:
      - { metric: accuracy, min: 0.3 }
`;

/** What the seeded workspace holds, and its server (not listening yet). */
export interface Seeded {
  readonly app: FastifyInstance;
  readonly db: Db;
  readonly store: ObjectStore;
  readonly dir: string;
  readonly ws: Workspace;
  readonly runIds: string[];
  /** The run with artifacts and a long history. */
  readonly mainRun: string;
  close(): Promise<void>;
}

/** Logs `n` runs of experiment `experiment` with params lr/batch and metrics accuracy/loss (each with `steps` points). */
export async function seedRuns(db: Db, opts: { n: number; experiment: string; steps?: number }): Promise<string[]> {
  const ids: string[] = [];
  const steps = opts.steps ?? 1;
  for (let i = 0; i < opts.n; i++) {
    const lr = [0.001, 0.01, 0.1][i % 3]!;
    const { id } = await createRun(db, {
      experiment: opts.experiment,
      name: `run-${String(i).padStart(5, '0')}`,
      params: { lr: String(lr), batch: String(32 * (1 + (i % 4))), optimizer: i % 2 ? 'adam' : 'sgd' },
      tags: { sweep: 'a' },
      startTime: 1_700_000_000_000 + i * 1000,
    });
    const metrics = [];
    for (let s = 0; s < steps; s++) {
      const acc = 0.5 + 0.45 * (1 - Math.exp(-(s + 1) / (5 + (i % 7)))) + (i % 10) * 0.001;
      metrics.push({ key: 'accuracy', value: acc, step: s, timestamp: 1_700_000_000_000 + i * 1000 + s });
      metrics.push({ key: 'loss', value: 1 / (s + 1 + (i % 5)), step: s, timestamp: 1_700_000_000_000 + i * 1000 + s });
    }
    await logBatch(db, id, { metrics });
    await endRun(db, id, i % 17 === 16 ? 'FAILED' : 'FINISHED', 1_700_000_000_000 + i * 1000 + 500);
    ids.push(id);
  }
  return ids;
}

/** Builds the seeded workspace and its server (uiDir: the built dashboard to serve, or false). */
export async function seedWorkspace(opts: {
  uiDir: string | false;
  runs?: number;
  steps?: number;
  historyPoints?: number;
  /** Give the main run 100 more metric keys (default true). */
  manyMetrics?: boolean;
}): Promise<Seeded> {
  const t = tempWorkspace({ 'slipway.yaml': CONFIG });
  mkdirSync(join(t.dir, 'data'), { recursive: true });
  copyFileSync(join(FIXTURES, 'tabular', 'iris.csv'), join(t.dir, 'data', 'iris.csv'));
  const db = await openDb({ sqlitePath: t.ws.dbPath });
  const store = openObjectStore(t.ws.objectsDir);
  const app = await buildServer({ workspace: t.ws, db, store, uiDir: opts.uiDir });

  const runIds = await seedRuns(db, { n: opts.runs ?? 12, experiment: 'sweep', steps: opts.steps ?? 30 });
  // One run with a long history and one artifact of each previewable kind, logged over the public API.
  const { id: mainRun } = await createRun(db, {
    experiment: 'mnist',
    name: 'cnn-main',
    params: { lr: '0.001', epochs: '3' },
    tags: { team: 'vision' },
  });
  const n = opts.historyPoints ?? 5000;
  const batch = [];
  for (let s = 0; s < n; s++)
    batch.push({ key: 'loss', value: 2 * Math.exp(-s / (n / 5)) + 0.05 * Math.sin(s / 7), step: s, timestamp: 1_700_000_000_000 + s * 10 });
  for (let i = 0; i < batch.length; i += 10_000) await logBatch(db, mainRun, { metrics: batch.slice(i, i + 10_000) });
  await logBatch(db, mainRun, { metrics: [{ key: 'accuracy', value: 0.981, step: 3, timestamp: 1_700_000_100_000 }] });
  // Many metric keys (per-layer figures), as runs that make other dashboards crawl have.
  const perLayer = Array.from({ length: 100 }, (_, l) => ({
    key: `layer_${String(l).padStart(3, '0')}/grad_norm`,
    value: 1 / (l + 1),
    step: 0,
    timestamp: 1_700_000_000_000,
  }));
  if (opts.manyMetrics !== false) await logBatch(db, mainRun, { metrics: perLayer });
  const put = async (path: string, body: string | Buffer): Promise<void> => {
    const r = await app.inject({
      method: 'PUT',
      url: `/api/runs/${mainRun}/artifacts/${path}`,
      payload: body,
      headers: { 'content-type': 'application/octet-stream' },
    });
    if (r.statusCode !== 200) throw new Error(`seeding artifact ${path}: ${r.statusCode} ${r.body}`);
  };
  await put('report.csv', 'class,precision,recall\nsetosa,1.0,1.0\nversicolor,0.94,0.96\n');
  await put('metrics.json', JSON.stringify({ accuracy: 0.981, loss: 0.06 }));
  await put(
    'plots/confusion.svg',
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#2563eb"/></svg>',
  );
  await put('notes.txt', 'trained on iris@1\n');
  await put('sample.png', PNG_1X1);
  await endRun(db, mainRun, 'FINISHED');

  // Two dataset versions (the second drops rows), so the diff has something to show.
  await addDataset(db, store, { path: join(t.dir, 'data', 'iris.csv'), name: 'iris', message: 'all 150 rows' });
  const lines = readFileSync(join(t.dir, 'data', 'iris.csv'), 'utf8')
    .trimEnd()
    .split('\n');
  mkdirSync(join(t.dir, 'v2'), { recursive: true });
  writeFileSync(join(t.dir, 'v2', 'iris.csv'), `${lines.slice(0, 101).join('\n')}\n`);
  await addDataset(db, store, { path: join(t.dir, 'v2', 'iris.csv'), name: 'iris', message: 'first 100 rows' });

  // A model with a good and a weak version; production points at the good one.
  const d = iris();
  const good = writeDenseModel(join(t.dir, 'models', 'good'), trainSoftmax(d, 4, 3, 300), {
    features: 4,
    classes: 3,
    labels: d.classNames,
  });
  const weak = writeDenseModel(join(t.dir, 'models', 'weak'), trainSoftmax(d, 4, 3, 3), { features: 4, classes: 3, labels: d.classNames });
  await registerModel(db, store, { name: 'iris', from: { path: good }, metrics: { accuracy: 0.97 } });
  await registerModel(db, store, { name: 'iris', from: { path: weak }, metrics: { accuracy: 0.6 } });
  await setAlias(db, { model: 'iris', alias: 'production', version: 1, actor: 'seed', reason: 'first release' });

  // Logged traffic over the last 10 minutes for v1 (stable) and v2, with feedback for most requests.
  const now = Date.now();
  for (let i = 0; i < 300; i++) {
    const version = i % 5 === 0 ? 2 : 1;
    const at = now - 600_000 + i * 2000;
    const predicted = String(i % 3);
    await db.run(
      `INSERT INTO predictions (request_id, model, version, at, latency_ms, status, predicted, input_json, output_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [`req-${i}`, 'iris', version, at, 2 + (i % 7), 200, predicted, JSON.stringify([[5.1 + (i % 10) / 10, 3.5, 1.4, 0.2]]), null],
    );
    if (i % 4 !== 3)
      await db.run(`INSERT INTO feedback (request_id, label, at) VALUES (?, ?, ?)`, [`req-${i}`, i % 11 === 0 ? '2' : predicted, at + 100]);
  }

  return {
    app,
    db,
    store,
    dir: t.dir,
    ws: t.ws,
    runIds,
    mainRun,
    close: async () => {
      await app.close();
      await db.close();
      t.cleanup();
    },
  };
}
