import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempWorkspace, FIXTURES } from '../helpers/temp-workspace.js';
import { openDb, type Db } from '../../src/meta/index.js';
import { openObjectStore, type ObjectStore } from '../../src/store/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { parseYamlWith } from '../../src/config/index.js';
import { gatesSchema, type GatesConfig } from '../../src/config/gates-schema.js';
import { addDataset } from '../../src/data/index.js';
import { writeOnnx } from '../../src/engine/onnx/export-onnx.js';
import { registerModel, setAlias, promote, resolveModelRef, aliasHistory } from '../../src/registry/index.js';
import { runGates, latestGateReport, getGateReport, promotionGateCheck } from '../../src/gates/index.js';
import { iris, trainSoftmax, writeDenseModel } from '../registry/fixtures.js';

const IRIS = join(FIXTURES, 'tabular', 'iris.csv');
let ws: ReturnType<typeof tempWorkspace>;
let db: Db;
let store: ObjectStore;

const gates = (rules: string, dataset = IRIS): GatesConfig =>
  parseYamlWith(`iris:\n  dataset: ${dataset}\n  rules:\n${rules}`, 'slipway.yaml', gatesSchema);

before(async () => {
  ws = tempWorkspace();
  db = await openDb({ sqlitePath: ws.ws.dbPath });
  store = openObjectStore(ws.ws.objectsDir);
  const d = iris();
  const good = writeDenseModel(join(ws.dir, 'good'), trainSoftmax(d, 4, 3, 300), { features: 4, classes: 3, labels: d.classNames });
  const weak = writeDenseModel(join(ws.dir, 'weak'), trainSoftmax(d, 4, 3, 3), { features: 4, classes: 3, labels: d.classNames });
  await registerModel(db, store, { name: 'iris', from: { path: good } }); // @1 engine format
  await registerModel(db, store, { name: 'iris', from: { path: weak } }); // @2 engine format
  await writeOnnx(good, join(ws.dir, 'good.onnx'));
  await registerModel(db, store, { name: 'iris', from: { path: join(ws.dir, 'good.onnx') } }); // @3 ONNX
});

after(async () => {
  await db.close();
  ws.cleanup();
});

test('the gates schema validates rules and reports file:line', () => {
  assert.throws(
    () => parseYamlWith('iris:\n  dataset: x\n  rules:\n    - metric: accuracy\n', 'slipway.yaml', gatesSchema),
    (e) => isSlipwayError(e, 'CONFIG_INVALID') && /slipway\.yaml:4/.test(e.message),
  );
  assert.throws(
    () => parseYamlWith('iris:\n  dataset: x\n  rules:\n    - latency: { p95: 3 }\n', 'g.yaml', gatesSchema),
    (e) => isSlipwayError(e, 'CONFIG_INVALID'),
  );
  const g = gates('    - determinism: {}\n    - no_regression: { metric: accuracy }\n');
  assert.deepEqual(g.iris!.rules[1], { no_regression: { against: 'production', metric: 'accuracy', max_drop: 0, relative: false } });
});

test('every rule kind on a good model passes, through the real runtimes (engine and ONNX)', async () => {
  const g = gates(`    - metric: accuracy
      min: 0.9
    - metric: loss
      max: 0.5
    - class_floor: { metric: recall, class: setosa, min: 0.95 }
    - slice_floor: { metric: accuracy, labels: [versicolor, virginica], min: 0.85 }
    - slice_floor: { metric: accuracy, column: feature_2, range: [0, 2.5], min: 0.95 }
    - beat_baseline: { metric: accuracy, margin: 0.3 }
    - latency: { p95_ms: 1000, batch: 1, samples: 20 }
    - size: { max_mb: 1 }
    - robustness: { noise_std: 0.01, max_flip_rate: 0.05 }
    - determinism: {}
`);
  for (const ref of ['iris@1', 'iris@3']) {
    const r = await runGates(db, store, { ref, gates: g, root: ws.dir });
    assert.equal(r.passed, true, `${ref}\n${r.markdown}`);
    assert.equal(r.results.length, 10);
    assert.equal(r.rows, 150);
    assert.ok(r.metrics.accuracy! > 0.9);
    assert.ok(r.timings.predictMs > 0 && r.timings.totalMs >= r.timings.predictMs);
    assert.match(r.markdown, /\| rule \| measured \| bound \| verdict \|/);
    assert.deepEqual((await latestGateReport(db, 'iris', Number(ref.split('@')[1])))?.id, r.id);
  }
});

test('a weak model fails thresholds and regresses against the alias, evaluated in the same run', async () => {
  await setAlias(db, { model: 'iris', alias: 'production', version: 1, actor: 't' });
  const g = gates(`    - metric: accuracy
      min: 0.9
    - no_regression: { against: production, metric: accuracy, max_drop: 0.01 }
    - no_regression: { against: staging, metric: accuracy }
`);
  const r = await runGates(db, store, { ref: 'iris@2', gates: g, root: ws.dir });
  assert.equal(r.passed, false);
  assert.deepEqual(
    r.results.map((x) => [x.gate, x.passed]),
    [
      ['metric', false],
      ['no_regression', false],
      ['no_regression', true],
    ],
  );
  assert.equal(r.compared[0]?.version, 1);
  assert.ok(r.compared[0]!.metrics.accuracy! > r.metrics.accuracy!);
  assert.match(r.results[2]!.detail ?? '', /no version behind staging/);
  const stored = await getGateReport(db, r.id!);
  assert.equal(stored?.passed, false);
});

test('bad gate configuration and mismatched data fail before anything runs', async () => {
  await assert.rejects(runGates(db, store, { ref: 'iris@1', gates: gates('    - metric: bleu\n      min: 1\n'), root: ws.dir }), (e) =>
    isSlipwayError(e, 'GATE_METRIC_UNKNOWN'),
  );
  await assert.rejects(runGates(db, store, { ref: 'iris@1', gates: gates('    - metric: mse\n      max: 1\n'), root: ws.dir }), (e) =>
    isSlipwayError(e, 'GATE_METRIC_UNKNOWN'),
  );
  await assert.rejects(
    runGates(db, store, { ref: 'iris@1', gates: gates('    - class_floor: { metric: recall, class: daisy, min: 0.5 }\n'), root: ws.dir }),
    (e) => isSlipwayError(e, 'GATE_INVALID'),
  );
  const bc = join(FIXTURES, 'tabular', 'breast_cancer.csv');
  await assert.rejects(
    runGates(db, store, { ref: 'iris@1', gates: gates('    - metric: accuracy\n      min: 0.5\n', bc), root: ws.dir }),
    (e) => isSlipwayError(e, 'SIGNATURE_MISMATCH'),
  );
  await assert.rejects(runGates(db, store, { ref: 'other@1', gates: gates('    - determinism: {}\n'), root: ws.dir }), (e) =>
    isSlipwayError(e, 'MODEL_NOT_FOUND'),
  );
  await registerModel(db, store, { name: 'nogates', from: { path: join(ws.dir, 'good') } });
  await assert.rejects(runGates(db, store, { ref: 'nogates@1', gates: gates('    - determinism: {}\n'), root: ws.dir }), (e) =>
    isSlipwayError(e, 'GATE_INVALID'),
  );
});

test('evaluates on a versioned dataset (name@latest) and promotion runs the gates before the alias moves', async () => {
  await addDataset(db, store, { path: IRIS, name: 'iris-test' });
  const g = gates(
    '    - metric: accuracy\n      min: 0.9\n    - no_regression: { against: champion, metric: accuracy }\n',
    'iris-test@latest',
  );
  const checkGates = promotionGateCheck(db, store, { gates: g, root: ws.dir });
  const first = await promote(db, { ref: 'iris@1', alias: 'champion', actor: 'ann', checkGates });
  assert.equal(first.gates?.passed, true);
  const report = await getGateReport(db, first.gates!.reportId!);
  assert.equal(report?.dataset, 'iris-test@1');
  await assert.rejects(promote(db, { ref: 'iris@2', alias: 'champion', actor: 'bob', checkGates }), (e) =>
    isSlipwayError(e, 'GATES_NOT_PASSED'),
  );
  assert.equal((await resolveModelRef(db, 'iris:champion')).version, 1);
  const h = await aliasHistory(db, 'iris', { alias: 'champion' });
  assert.equal(h.length, 1);
  assert.equal(h[0]!.gateReportId, first.gates!.reportId);
});
