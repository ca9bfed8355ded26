import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { openDb } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import { registerModel, setAlias } from '../../src/registry/index.js';
import { currentMetrics, diffValues, loadPipeline, resolveBase } from '../../src/pipeline/index.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';
import { writeDenseModel } from '../registry/fixtures.js';

test('metrics diff against a model registered from the pipeline compares file with file (identical model: no change)', async (t) => {
  const { ws, dir, cleanup } = tempWorkspace({
    'slipway.yaml': stringify({
      stages: {
        train: { cmd: 'true', metrics: ['metrics/train.json'] },
        evaluate: { cmd: 'true', metrics: ['metrics/eval.json'] },
      },
    }),
    'metrics/train.json': JSON.stringify({ accuracy: 0.9889 }),
    'metrics/eval.json': JSON.stringify({ accuracy: 0.98 }),
  });
  const db = await openDb({ sqlitePath: ws.dbPath });
  t.after(async () => {
    await db.close();
    cleanup();
  });
  const store = openObjectStore(ws.objectsDir);
  const pipeline = loadPipeline(dir);
  const now = currentMetrics(dir, pipeline);
  const model = writeDenseModel(join(dir, 'm'), { w: new Float32Array(8), b: new Float32Array(2) }, { features: 4, classes: 2 });
  // As `slipway ci` registers: the merged metrics (last file wins) plus the metrics per file.
  const flat = Object.assign({}, ...Object.values(now)) as Record<string, number>;
  await registerModel(db, store, { name: 'bc', from: { path: model }, metrics: flat, metricsFiles: now });
  await setAlias(db, { model: 'bc', alias: 'production', version: 1, actor: 'test' });
  const b = await resolveBase(dir, pipeline, 'bc:production', { db: async () => db });
  assert.equal(b.byFile, true);
  const rows = diffValues(b.metrics, now, !b.byFile);
  assert.deepEqual(
    rows.map((r) => [r.path, r.key, r.change]),
    [
      ['metrics/eval.json', 'accuracy', 0],
      ['metrics/train.json', 'accuracy', 0],
    ],
  );
  // A version registered with flat metrics only is still compared by key (the old behaviour, flagged by byFile).
  await registerModel(db, store, { name: 'bc', from: { path: model }, metrics: { accuracy: 0.98 } });
  const flatBase = await resolveBase(dir, pipeline, 'bc@2', { db: async () => db });
  assert.equal(flatBase.byFile, false);
});
