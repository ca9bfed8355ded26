import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, rmSync } from 'node:fs';
import { openDb } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import {
  addDataset,
  diffDatasetVersions,
  encodeIdx,
  getDatasetVersion,
  histogram,
  profileCsvText,
  profileFile,
  profileIdxBytes,
  type CsvProfile,
  type IdxProfile,
} from '../../src/data/index.js';
import { FIXTURES, tempWorkspace, writeFiles } from '../helpers/temp-workspace.js';
import { isSlipwayError } from '../../src/errors/index.js';

test('CSV profile: types, min/max/mean/std, missing, distinct, 10-bin histogram, top values', () => {
  const p = profileCsvText('x,y,label,empty\n1,2.5,a,\n2,,b,\n3,4.5,a,\n4,NA,a,\n');
  assert.equal(p.rows, 4);
  const [x, y, label, empty] = p.columns;
  assert.equal(x!.type, 'integer');
  assert.equal(x!.min, 1);
  assert.equal(x!.max, 4);
  assert.equal(x!.mean, 2.5);
  assert.ok(Math.abs(x!.std! - Math.sqrt(5 / 3)) < 1e-12);
  assert.equal(x!.distinct, 4);
  assert.equal(x!.histogram!.counts.length, 10);
  assert.equal(
    x!.histogram!.counts.reduce((a, b) => a + b, 0),
    4,
  );
  assert.deepEqual([x!.histogram!.counts[0], x!.histogram!.counts[9]], [1, 1]);
  assert.equal(y!.type, 'number');
  assert.equal(y!.missing, 2);
  assert.equal(label!.type, 'string');
  assert.deepEqual(label!.top![0], { value: 'a', count: 3 });
  assert.equal(empty!.type, 'empty');
  assert.equal(empty!.missing, 4);
});

test('histogram puts the maximum in the last bin and a constant column in one bin', () => {
  assert.deepEqual(histogram([0, 10], 0, 10).counts, [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(histogram([5, 5, 5], 5, 5).counts[0], 3);
});

test('profiles the real breast cancer CSV and MNIST labels', async () => {
  const csv = (await profileFile(join(FIXTURES, 'tabular', 'breast_cancer.csv'))) as CsvProfile;
  assert.equal(csv.kind, 'csv');
  assert.equal(csv.rows, 569);
  assert.equal(csv.columns.length, 31);
  const target = csv.columns.at(-1)!;
  assert.equal(target.name, 'target');
  assert.equal(target.distinct, 2);
  assert.ok(Math.abs(target.mean! - 357 / 569) < 1e-12);
  const labels = (await profileFile(join(FIXTURES, 'mnist', 't10k-labels-idx1-ubyte.gz'))) as IdxProfile;
  assert.deepEqual(labels.shape, [10000]);
  assert.equal(labels.dtype, 'uint8');
  assert.equal(labels.labelHistogram!['1'], 1135);
  assert.equal(
    Object.values(labels.labelHistogram!).reduce((a, b) => a + b, 0),
    10000,
  );
  const images = profileIdxBytes(encodeIdx({ dtype: 'uint8', shape: [2, 2, 2], data: Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 255]) }));
  assert.equal(images.labelHistogram, undefined);
  assert.equal(images.max, 255);
});

test('dataset versions: a new version only on change, diff of files and profile deltas, unknown refs', async () => {
  const t = tempWorkspace({ 'd/t.csv': 'x,target\n1,0\n2,1\n3,1\n', 'd/notes.txt': 'v1' });
  const db = await openDb({ sqlitePath: t.ws.dbPath });
  const store = openObjectStore(t.ws.objectsDir);
  try {
    const v1 = await addDataset(db, store, { path: join(t.dir, 'd'), name: 'toy', message: 'first' });
    assert.equal(v1.version.version, 1);
    assert.equal(v1.created, true);
    assert.equal(v1.version.files, 2);
    const same = await addDataset(db, store, { path: join(t.dir, 'd'), name: 'toy' });
    assert.equal(same.created, false);
    assert.equal(same.version.version, 1);
    writeFiles(t.dir, { 'd/t.csv': 'x,target\n1,0\n2,1\n3,1\n10,0\n', 'd/new.bin': 'x' });
    rmSync(join(t.dir, 'd/notes.txt'));
    const v2 = await addDataset(db, store, { path: join(t.dir, 'd'), name: 'toy' });
    assert.equal(v2.version.version, 2);
    const latest = await getDatasetVersion(db, 'toy');
    assert.equal(latest.version, 2);
    assert.equal((await getDatasetVersion(db, 'toy@1')).message, 'first');
    const d = diffDatasetVersions(store, await getDatasetVersion(db, 'toy@1'), latest);
    assert.deepEqual(
      d.added.map((a) => a.path),
      ['new.bin'],
    );
    assert.deepEqual(
      d.removed.map((a) => a.path),
      ['notes.txt'],
    );
    assert.deepEqual(
      d.changed.map((a) => a.path),
      ['t.csv'],
    );
    const p = d.profiles[0]!;
    assert.deepEqual(p.rows, { from: 3, to: 4, delta: 1 });
    const x = p.columns!.find((c) => c.name === 'x')!;
    assert.deepEqual(x.max, { from: 3, to: 10, delta: 7 });
    assert.equal(x.mean.delta, 4 - 2);
    await assert.rejects(getDatasetVersion(db, 'nope'), (e) => isSlipwayError(e, 'DATASET_NOT_FOUND'));
    await assert.rejects(getDatasetVersion(db, 'toy@9'), (e) => isSlipwayError(e, 'DATASET_VERSION_NOT_FOUND'));
    await assert.rejects(getDatasetVersion(db, 'toy@x'), (e) => isSlipwayError(e, 'DATASET_REF_INVALID'));
    await assert.rejects(addDataset(db, store, { path: join(t.dir, 'missing'), name: 'toy' }), (e) => isSlipwayError(e, 'PATH_NOT_FOUND'));
    await assert.rejects(addDataset(db, store, { path: join(t.dir, 'd'), name: '../evil' }), (e) =>
      isSlipwayError(e, 'DATASET_REF_INVALID'),
    );
    mkdirSync(join(t.dir, 'empty'));
    await assert.rejects(addDataset(db, store, { path: join(t.dir, 'empty'), name: 'toy' }), (e) => isSlipwayError(e, 'DATA_EMPTY'));
  } finally {
    await db.close();
    t.cleanup();
  }
});
