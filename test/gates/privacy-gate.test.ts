import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempWorkspace, FIXTURES } from '../helpers/temp-workspace.js';
import { openDb, type Db } from '../../src/meta/index.js';
import { openObjectStore, type ObjectStore } from '../../src/store/index.js';
import { parseYamlWith } from '../../src/config/index.js';
import { gatesSchema } from '../../src/config/gates-schema.js';
import { registerModel } from '../../src/registry/index.js';
import { runGates } from '../../src/gates/index.js';
import { iris, trainSoftmax, writeDenseModel } from '../registry/fixtures.js';

const IRIS = join(FIXTURES, 'tabular', 'iris.csv');
let ws: ReturnType<typeof tempWorkspace>;
let db: Db;
let store: ObjectStore;

before(async () => {
  ws = tempWorkspace();
  db = await openDb({ sqlitePath: ws.ws.dbPath });
  store = openObjectStore(ws.ws.objectsDir);
  const d = iris();
  const dir = writeDenseModel(join(ws.dir, 'm'), trainSoftmax(d, 4, 3, 50), { features: 4, classes: 3, labels: d.classNames });
  await registerModel(db, store, { name: 'iris', from: { path: dir }, metrics: { epsilon: 6.4 } }); // @1 within budget
  await registerModel(db, store, { name: 'iris', from: { path: dir }, metrics: { epsilon: 9.1 } }); // @2 over budget
  await registerModel(db, store, { name: 'iris', from: { path: dir } }); // @3 trained without DP-SGD
});

after(async () => {
  await db.close();
  ws.cleanup();
});

test('the privacy gate passes ε ≤ max_epsilon and fails a larger ε or a version without one', async () => {
  const gates = parseYamlWith(`iris:\n  dataset: ${IRIS}\n  rules:\n    - privacy: { max_epsilon: 8 }\n`, 'slipway.yaml', gatesSchema);
  const ok = await runGates(db, store, { ref: 'iris@1', gates, root: ws.dir });
  const over = await runGates(db, store, { ref: 'iris@2', gates, root: ws.dir });
  const none = await runGates(db, store, { ref: 'iris@3', gates, root: ws.dir });
  assert.equal(ok.passed, true, ok.markdown);
  assert.equal(ok.results[0]!.value, 6.4);
  assert.equal(over.passed, false);
  assert.equal(over.results[0]!.gate, 'privacy');
  assert.equal(none.passed, false);
  assert.equal(none.results[0]!.value, null);
  assert.throws(() => parseYamlWith(`iris:\n  dataset: x\n  rules:\n    - privacy: { max_epsilon: -1 }\n`, 'slipway.yaml', gatesSchema));
});
