import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildServer } from '../../src/server/app.js';
import { openDb } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import { addDataset } from '../../src/data/index.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';

test('datasets over REST: list, versions, show, file download, unknown names', async () => {
  const t = tempWorkspace({ 'iris/iris.csv': 'sepal,petal,label\n1.0,2.0,a\n1.5,2.5,b\n', 'iris/README': 'iris\n' });
  const db = await openDb({ sqlitePath: t.ws.dbPath });
  const store = openObjectStore(t.ws.objectsDir);
  const app = await buildServer({ workspace: t.ws, db, store });
  try {
    await addDataset(db, store, { path: join(t.dir, 'iris'), name: 'iris', message: 'first' });
    const list = await app.inject({ url: '/api/datasets' });
    assert.equal(list.statusCode, 200, list.body);
    assert.deepEqual(
      list.json().datasets.map((d: { name: string; version: number }) => `${d.name}@${d.version}`),
      ['iris@1'],
    );
    const show = await app.inject({ url: '/api/datasets/iris@1' });
    assert.equal(show.statusCode, 200);
    assert.equal(show.json().dataset.files, 2);
    assert.equal((await app.inject({ url: '/api/datasets/iris/versions' })).json().versions.length, 1);
    const file = await app.inject({ url: '/api/datasets/iris/files/README' });
    assert.equal(file.statusCode, 200);
    assert.equal(file.body, 'iris\n');
    const noFile = await app.inject({ url: '/api/datasets/iris@1/files/nope.csv' });
    assert.equal(noFile.statusCode, 404);
    assert.equal(noFile.json().error.code, 'FILE_NOT_FOUND');
    const none = await app.inject({ url: '/api/datasets/mnist' });
    assert.equal(none.statusCode, 404);
    assert.equal(none.json().error.code, 'DATASET_NOT_FOUND');
    const noVersion = await app.inject({ url: '/api/datasets/iris@9' });
    assert.equal(noVersion.json().error.code, 'DATASET_VERSION_NOT_FOUND');
  } finally {
    await app.close();
    await db.close();
    t.cleanup();
  }
});
