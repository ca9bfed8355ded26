import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { tempWorkspace, FIXTURES } from '../helpers/temp-workspace.js';
import { cli, TSX_IMPORT } from '../helpers/cli.js';
import { openDb, type Db } from '../../src/meta/index.js';
import { openObjectStore, type ObjectStore } from '../../src/store/index.js';
import { loadConfig } from '../../src/config/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { registerModel, setAlias, parseModelRef, resolveModelRef, modelLineage, modelRefOf } from '../../src/registry/index.js';
import { runGates } from '../../src/gates/index.js';
import { startModelServer } from '../../src/serving/index.js';
import { buildServer } from '../../src/server/index.js';
import { iris, trainSoftmax, writeDenseModel } from './fixtures.js';

// One model, three versions: production → 2, staging → 1, latest = 3. Every accepted form and the version it names.
const FORMS: readonly (readonly [string, number])[] = [
  ['iris', 2],
  ['iris@1', 1],
  ['iris@v1', 1],
  ['iris:v3', 3],
  ['iris@latest', 3],
  ['iris:staging', 1],
  ['iris:production', 2],
];

let ws: ReturnType<typeof tempWorkspace>;
let db: Db;
let store: ObjectStore;
let app: FastifyInstance;

before(async () => {
  ws = tempWorkspace();
  writeFileSync(
    join(ws.dir, 'slipway.yaml'),
    `stages: {}\ngates:\n  iris:\n    dataset: ${join(FIXTURES, 'tabular', 'iris.csv')}\n    rules:\n      - metric: accuracy\n        min: 0.0\n`,
  );
  db = await openDb({ sqlitePath: ws.ws.dbPath });
  store = openObjectStore(ws.ws.objectsDir);
  const d = iris();
  for (const epochs of [300, 30, 3]) {
    const dir = writeDenseModel(join(ws.dir, `m${epochs}`), trainSoftmax(d, 4, 3, epochs), {
      features: 4,
      classes: 3,
      labels: d.classNames,
    });
    await registerModel(db, store, { name: 'iris', from: { path: dir } });
  }
  await setAlias(db, { model: 'iris', alias: 'production', version: 2, actor: 'test' });
  await setAlias(db, { model: 'iris', alias: 'staging', version: 1, actor: 'test' });
  app = await buildServer({ workspace: ws.ws, db, store });
});

after(async () => {
  await app.close();
  await db.close();
  ws.cleanup();
});

test('every accepted reference form names the same version in models show, lineage, gates run and the REST API', async () => {
  const gates = loadConfig(ws.ws.configPath).gates;
  for (const [form, version] of FORMS) {
    const ref = parseModelRef(form);
    assert.equal((await resolveModelRef(db, ref)).version, version, `models show ${form}`);
    assert.equal((await modelLineage(db, ref)).model.version, version, `lineage ${form}`);
    const report = await runGates(db, store, { ref, gates, root: ws.dir, save: false });
    assert.equal(report.version, version, `gates run ${form}`);
    const r = await app.inject({ url: `/api/model-refs/${encodeURIComponent(form)}` });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().version.version, version, `GET /api/model-refs/${form}`);
    const selector = form.includes('@') || form.includes(':') ? form.slice(5) : 'production';
    assert.deepEqual(modelRefOf('iris', selector), ref);
    const s = await app.inject({ url: `/api/models/iris/resolve/${encodeURIComponent(selector)}` });
    assert.equal(s.json().version.version, version, `GET /api/models/iris/resolve/${selector}`);
  }
  for (const bad of ['iris@', 'iris@0', 'iris@x', 'iris:', 'iris@1:a', '@1']) {
    assert.throws(
      () => parseModelRef(bad),
      (e) => isSlipwayError(e, 'MODEL_REF_INVALID'),
      bad,
    );
    const r = await app.inject({ url: `/api/model-refs/${encodeURIComponent(bad)}` });
    assert.equal(r.statusCode, 400, `${bad}: ${r.body}`);
  }
});

test('the model server serves every form: versions pinned, aliases and latest as labels', async () => {
  const server = await startModelServer({
    db,
    store,
    models: FORMS.map(([form]) => ({ ref: form })),
    restPort: 0,
    grpcPort: null,
    monitoring: { enabled: false },
  });
  try {
    const d = server.models.describe('iris');
    assert.deepEqual(d.versions, [1, 2, 3]);
    assert.deepEqual(d.labels, { production: 2, latest: 3, staging: 1 });
    for (const [form, version] of FORMS) {
      const ref = parseModelRef(form);
      const path = ref.kind === 'version' ? `versions/${ref.version}` : `labels/${ref.alias}`;
      const res = await fetch(`http://127.0.0.1:${server.restPort}/v1/models/iris/${path}:predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances: [[5.1, 3.5, 1.4, 0.2]] }),
      });
      assert.equal(res.status, 200, `${form}: ${await res.text()}`);
      const st = await fetch(`http://127.0.0.1:${server.restPort}/v1/models/iris/${path}`);
      assert.equal((await st.json()).model_version_status[0].version, String(version), form);
    }
  } finally {
    await server.close();
  }
});

test('the CLI takes every form at its edge: serve (all at once), models show, lineage, gates run', async () => {
  const run = (...args: string[]): { code: number; stdout: string; stderr: string } => cli(args, { cwd: ws.dir });
  const show = run('models', 'show', 'iris@latest', '--json');
  assert.equal(show.code, 0, show.stderr);
  assert.equal(JSON.parse(show.stdout).version, 3);
  const lin = run('lineage', 'iris:v1', '--json');
  assert.equal(lin.code, 0, lin.stderr);
  assert.equal(JSON.parse(lin.stdout).model.version, 1);
  const g = run('gates', 'run', 'iris@v3', '--json', '--no-save');
  assert.equal(g.code, 0, g.stderr);
  assert.equal(JSON.parse(g.stdout).version, 3);
  const bad = run('lineage', 'iris@nope');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /error\[MODEL_REF_INVALID\]/);

  const main = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
  const forms = FORMS.map(([f]) => f);
  const child = spawn(process.execPath, ['--import', TSX_IMPORT, main, 'serve', ...forms, '--rest-port', '0', '--no-grpc'], {
    cwd: ws.dir,
    env: { ...process.env, NO_COLOR: '1' },
  });
  try {
    let out = '';
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /model iris versions [^\n]*\n/.exec(out);
        if (m) resolve(m[0]);
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    assert.match(line, /versions 1, 2, 3 \(production→2, latest→3, staging→1\)/);
  } finally {
    await new Promise<void>((done) => {
      child.on('exit', () => done());
      child.kill('SIGTERM');
    });
  }
});

test('promote over REST runs the gates (one promote-with-gates use case with the CLI): pass moves, fail answers 422 with the report', async () => {
  const yaml = (min: number): string =>
    `stages: {}\ngates:\n  iris:\n    dataset: ${join(FIXTURES, 'tabular', 'iris.csv')}\n    rules:\n      - metric: accuracy\n        min: ${min}\n`;
  const promote = (version: number) =>
    app.inject({
      method: 'POST',
      url: '/api/models/iris/aliases/canary/promote',
      payload: JSON.stringify({ version }),
      headers: { 'content-type': 'application/json' },
    });
  const ok = await promote(3);
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().move.to, 3);
  assert.equal(ok.json().gateReport.passed, true);
  writeFileSync(join(ws.dir, 'slipway.yaml'), yaml(1.01));
  try {
    const bad = await promote(1);
    assert.equal(bad.statusCode, 422, bad.body);
    assert.equal(bad.json().error.code, 'GATES_NOT_PASSED');
    assert.equal(bad.json().gateReport.passed, false);
    assert.equal((await resolveModelRef(db, parseModelRef('iris:canary'))).version, 3);
  } finally {
    writeFileSync(join(ws.dir, 'slipway.yaml'), yaml(0));
  }
});
