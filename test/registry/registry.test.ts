import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempWorkspace } from '../helpers/temp-workspace.js';
import { openDb, type Db } from '../../src/meta/index.js';
import { openObjectStore, readTree, type ObjectStore } from '../../src/store/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { writeOnnx } from '../../src/engine/onnx/export-onnx.js';
import { startRun } from '../../src/tracking/index.js';
import {
  registerModel,
  resolveModelRef,
  parseModelRef,
  listModels,
  listVersions,
  checkoutModelVersion,
  diffVersions,
  modelLineage,
  lineageDot,
  lineageText,
} from '../../src/registry/index.js';
import { iris, trainSoftmax, writeDenseModel } from './fixtures.js';

let ws: ReturnType<typeof tempWorkspace>;
let db: Db;
let store: ObjectStore;
let good: string;
let weak: string;
let onnxFile: string;

before(async () => {
  ws = tempWorkspace();
  db = await openDb({ sqlitePath: ws.ws.dbPath });
  store = openObjectStore(ws.ws.objectsDir);
  const d = iris();
  good = writeDenseModel(join(ws.dir, 'models', 'good'), trainSoftmax(d, 4, 3, 200), { features: 4, classes: 3, labels: d.classNames });
  weak = writeDenseModel(join(ws.dir, 'models', 'weak'), trainSoftmax(d, 4, 3, 2), { features: 4, classes: 3, labels: d.classNames });
  onnxFile = join(ws.dir, 'models', 'exported.onnx');
  await writeOnnx(good, onnxFile);
});

after(async () => {
  await db.close();
  ws.cleanup();
});

test('parseModelRef reads versions, aliases and bare names; rejects junk', () => {
  assert.deepEqual(parseModelRef('iris@3'), { name: 'iris', kind: 'version', version: 3 });
  assert.deepEqual(parseModelRef('iris:staging'), { name: 'iris', kind: 'alias', alias: 'staging' });
  assert.deepEqual(parseModelRef('iris'), { name: 'iris', kind: 'alias', alias: 'production' });
  assert.deepEqual(parseModelRef('iris@latest'), { name: 'iris', kind: 'alias', alias: 'latest' });
  for (const bad of ['iris@0', 'iris@x', '@3', 'a@1:b', 'iris:'])
    assert.throws(
      () => parseModelRef(bad),
      (e) => isSlipwayError(e, 'MODEL_REF_INVALID'),
      bad,
    );
});

test('registers engine folders with increasing versions, storing the tree and signature', async () => {
  const v1 = await registerModel(db, store, { name: 'iris', from: { path: good }, metrics: { accuracy: 0.96 }, params: { epochs: 200 } });
  const v2 = await registerModel(db, store, { name: 'iris', from: { path: weak } });
  assert.equal(v1.version, 1);
  assert.equal(v2.version, 2);
  assert.equal(v1.format, 'slipway');
  assert.deepEqual(v1.signature.inputs[0]!.shape, [-1, 4]);
  assert.equal(v2.lineage.parent, 1);
  assert.deepEqual(v1.params, { epochs: '200' });
  const paths = readTree(store, v1.treeHash).entries.map((e) => e.path);
  assert.deepEqual(paths, ['model.json', 'signature.json', 'weights.bin']);
  assert.equal((await resolveModelRef(db, 'iris@1')).treeHash, v1.treeHash);
  assert.equal((await resolveModelRef(db, 'iris@latest')).version, 2);
  const versions = await listVersions(db, 'iris');
  assert.deepEqual(
    versions.map((v) => v.version),
    [2, 1],
  );
});

test('resolve errors: unknown model, unknown version, unset alias', async () => {
  await assert.rejects(resolveModelRef(db, 'nope@1'), (e) => isSlipwayError(e, 'MODEL_NOT_FOUND'));
  await assert.rejects(resolveModelRef(db, 'iris@99'), (e) => isSlipwayError(e, 'MODEL_VERSION_NOT_FOUND'));
  await assert.rejects(resolveModelRef(db, 'iris'), (e) => isSlipwayError(e, 'ALIAS_NOT_FOUND'));
  await assert.rejects(registerModel(db, store, { name: 'x', from: { path: join(ws.dir, 'missing') } }), (e) =>
    isSlipwayError(e, 'MODEL_SOURCE_INVALID'),
  );
  await assert.rejects(registerModel(db, store, { name: 'x', from: { path: good }, format: 'onnx' }), (e) =>
    isSlipwayError(e, 'MODEL_FORMAT_INVALID'),
  );
});

test('registers an ONNX file: signature read from the graph, stored as model.onnx + signature.json', async () => {
  const v = await registerModel(db, store, { name: 'iris-onnx', from: { path: onnxFile } });
  assert.equal(v.format, 'onnx');
  assert.deepEqual(v.signature.inputs, [{ name: 'input', dtype: 'FP32', shape: [-1, 4] }]);
  assert.deepEqual(v.signature.outputs, [{ name: 'output', dtype: 'FP32', shape: [-1, 3] }]);
  const out = join(ws.dir, 'checkout-onnx');
  await checkoutModelVersion(db, store, 'iris-onnx@1', out);
  assert.ok(existsSync(join(out, 'model.onnx')));
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'signature.json'), 'utf8')), v.signature);
  // A folder holding one differently named .onnx file registers too.
  const folder = join(ws.dir, 'models', 'onnx-folder');
  mkdirSync(folder, { recursive: true });
  copyFileSync(onnxFile, join(folder, 'net.onnx'));
  const v2 = await registerModel(db, store, { name: 'iris-onnx', from: { path: folder }, format: 'onnx' });
  assert.ok(readTree(store, v2.treeHash).entries.some((e) => e.path === 'model.onnx'));
  // Garbage with an .onnx name is refused.
  const junk = join(ws.dir, 'models', 'junk.onnx');
  mkdirSync(join(ws.dir, 'models'), { recursive: true });
  await import('node:fs').then((fs) => fs.writeFileSync(junk, 'not a model'));
  await assert.rejects(registerModel(db, store, { name: 'junk', from: { path: junk } }), (e) => isSlipwayError(e, 'MODEL_FORMAT_INVALID'));
});

test('registers from a run: the model artifact plus metrics, params, code commit and datasets as lineage', async () => {
  const run = await startRun({ experiment: 'iris', params: { lr: 0.05, epochs: 200 }, db, store, workspace: ws.dir });
  run.logMetric('accuracy', 0.9);
  run.logMetric('accuracy', 0.95);
  await run.logInput({ dataset: 'iris-train', version: 2, treeHash: 'a'.repeat(64) });
  await run.logArtifact(good, 'model');
  await run.end('FINISHED');
  const v = await registerModel(db, store, { name: 'iris-run', from: { runId: run.id } });
  assert.equal(v.runId, run.id);
  assert.equal(v.metrics.accuracy, 0.95);
  assert.equal(v.params.lr, '0.05');
  assert.equal(v.lineage.source, 'run');
  assert.equal(v.lineage.run?.id, run.id);
  assert.deepEqual(v.lineage.datasets, [{ dataset: 'iris-train', version: 2, treeHash: 'a'.repeat(64) }]);
  const g = await modelLineage(db, 'iris-run@1');
  assert.match(lineageText(g), /iris-train@2[\s\S]*run[\s\S]*iris-run@1/);
  assert.match(lineageDot(g), /"dataset:iris-train@2" -> "run:/);
  await assert.rejects(registerModel(db, store, { name: 'x', from: { runId: 'NO-SUCH-RUN' } }), (e) => isSlipwayError(e, 'RUN_NOT_FOUND'));
  const bare = await startRun({ experiment: 'iris', db, store, workspace: ws.dir });
  await bare.end('FINISHED');
  await assert.rejects(registerModel(db, store, { name: 'x', from: { runId: bare.id } }), (e) => isSlipwayError(e, 'MODEL_SOURCE_INVALID'));
});

test('concurrent registrations get distinct consecutive versions', async () => {
  const vs = await Promise.all(Array.from({ length: 6 }, () => registerModel(db, store, { name: 'conc', from: { path: good } })));
  assert.deepEqual(
    vs.map((v) => v.version).sort((a, b) => a - b),
    [1, 2, 3, 4, 5, 6],
  );
});

test('listModels summarises versions and diffVersions compares metrics, params and signature', async () => {
  const models = await listModels(db);
  const irisSummary = models.find((m) => m.name === 'iris');
  assert.equal(irisSummary?.versions, 2);
  assert.equal(irisSummary?.latestVersion, 2);
  const d = await diffVersions(db, 'iris@1', 'iris@2');
  assert.deepEqual(d.params, [{ key: 'epochs', a: '200', b: undefined }]);
  assert.equal(d.signature.same, true);
  assert.equal(d.sameArtifact, false);
  const cross = await diffVersions(db, 'iris@1', 'iris-onnx@1');
  assert.equal(cross.format.b, 'onnx');
});
