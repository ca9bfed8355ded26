import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { existsSync } from 'node:fs';
import { addDataset, encodeIdx, loadDataFolder, openDataSource, readIdx } from '../../src/data/index.js';
import { openDb } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import { isSlipwayError, type ErrorCode } from '../../src/errors/index.js';
import { FIXTURES, tempDir, tempWorkspace } from '../helpers/temp-workspace.js';

const code =
  (c: ErrorCode) =>
  (e: unknown): boolean =>
    isSlipwayError(e, c);
const MNIST = join(FIXTURES, 'mnist');
const IRIS = join(FIXTURES, 'tabular', 'iris.csv');

/** IDX bytes of `n` images of 2×2 pixels all equal to `value`, and of `n` labels all equal to `label`. */
function pair(n: number, value: number, label: number): { images: Buffer; labels: Buffer } {
  return {
    images: encodeIdx({ dtype: 'uint8', shape: [n, 2, 2], data: new Uint8Array(n * 4).fill(value) }),
    labels: encodeIdx({ dtype: 'uint8', shape: [n], data: new Uint8Array(n).fill(label) }),
  };
}

test('the MNIST fixture folder: t10k images scaled to [0, 1], their labels, a row range', async () => {
  const raw = await readIdx(join(MNIST, 't10k-images-idx3-ubyte.gz'));
  const lab = await readIdx(join(MNIST, 't10k-labels-idx1-ubyte.gz'));
  const d = await loadDataFolder(MNIST, { range: { start: 100, end: 110 } });
  assert.equal(d.kind, 'idx');
  assert.equal(d.rows, 10);
  assert.deepEqual(d.rowShape, [28, 28]);
  assert.equal(d.idxDtype, 'uint8');
  assert.equal(d.scale, 1 / 255);
  assert.equal(d.features.length, 10 * 784);
  assert.ok(Math.abs(d.features[5 * 784 + 400]! - raw.data[105 * 784 + 400]! / 255) < 1e-7);
  assert.deepEqual(Array.from(d.labels!), Array.from(lab.data.subarray(100, 110)));
  assert.deepEqual(
    d.files.map((f) => f.split(/[\\/]/).pop()),
    ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'],
  );
  const all = await loadDataFolder(MNIST, { range: { start: -5 } });
  assert.equal(all.rows, 5);
});

test('train-* and t10k-* in one folder: `prefer` picks the split, labels pair by prefix, scale overrides', async () => {
  const train = pair(6, 255, 1);
  const t10k = pair(4, 51, 2);
  const t = tempDir({
    'train-images-idx3-ubyte': train.images,
    'train-labels-idx1-ubyte': train.labels,
    't10k-images-idx3-ubyte.gz': gzipSync(t10k.images),
    't10k-labels-idx1-ubyte.gz': gzipSync(t10k.labels),
  });
  try {
    const a = await loadDataFolder(t.dir);
    assert.equal(a.rows, 6);
    assert.equal(a.features[0], 1);
    assert.deepEqual([...new Set(a.labels)], [1]);
    const b = await loadDataFolder(t.dir, { prefer: 'test', scale: 1 });
    assert.equal(b.rows, 4);
    assert.equal(b.features[0], 51);
    assert.deepEqual([...new Set(b.labels)], [2]);
  } finally {
    t.cleanup();
  }
});

test('IDX files are found by their bytes in subfolders, whatever their names; dot-files are skipped', async () => {
  const p = pair(3, 10, 7);
  const t = tempDir({
    'split/pixels.gz': gzipSync(p.images),
    'split/answers.bin': p.labels,
    'split/notes.gz': gzipSync(Buffer.from('not idx at all')),
    '.cache/other.csv': 'a,target\n1,0\n',
  });
  try {
    const d = await loadDataFolder(t.dir, { source: 'digits@1' });
    assert.equal(d.kind, 'idx');
    assert.equal(d.source, 'digits@1');
    assert.equal(d.rows, 3);
    assert.deepEqual(Array.from(d.labels!), [7, 7, 7]);
    // A lone IDX file loads as images without labels.
    const lone = await loadDataFolder(join(t.dir, 'split', 'pixels.gz'));
    assert.equal(lone.labels, null);
    assert.equal(lone.rows, 3);
  } finally {
    t.cleanup();
  }
});

test('CSV: a file or the one CSV of a folder; label column by name; unlabelled without one', async () => {
  const file = await loadDataFolder(IRIS, { scale: 2 });
  assert.equal(file.kind, 'csv');
  assert.equal(file.rows, 150);
  assert.deepEqual(file.rowShape, [4]);
  assert.deepEqual(file.labelNames, ['setosa', 'versicolor', 'virginica']);
  assert.equal(file.features[0], 2 * file.raw[0]!);
  const t = tempDir({ 'sub/rows.csv': 'a,b,label\n1,2,x\n3,4,y\n5,6,x\n', 'README.md': '# rows' });
  const plain = tempDir({ 'plain.csv': 'a,b\n1,2\n' });
  try {
    const d = await loadDataFolder(t.dir, { target: 'label', range: { start: 1 } });
    assert.equal(d.rows, 2);
    assert.deepEqual(d.columns, ['a', 'b']);
    assert.deepEqual(Array.from(d.features), [3, 4, 5, 6]);
    assert.deepEqual(Array.from(d.labels!), [1, 0]);
    assert.deepEqual(d.labelNames, ['x', 'y']);
    const unlabelled = await loadDataFolder(join(plain.dir, 'plain.csv'));
    assert.equal(unlabelled.labels, null);
    assert.deepEqual(unlabelled.rowShape, [2]);
  } finally {
    t.cleanup();
    plain.cleanup();
  }
});

test('bad input fails with data codes', async () => {
  const p = pair(3, 1, 1);
  const t = tempDir({
    'two/a.csv': 'x,target\n1,0\n',
    'two/b.csv': 'x,target\n1,0\n',
    'none/readme.txt': 'nothing here',
    'mismatch/train-images-idx3-ubyte': p.images,
    'mismatch/train-labels-idx1-ubyte': pair(2, 1, 1).labels,
    'labels-only/train-labels-idx1-ubyte': p.labels,
  });
  try {
    await assert.rejects(loadDataFolder(join(t.dir, 'missing')), code('PATH_NOT_FOUND'));
    await assert.rejects(loadDataFolder(join(t.dir, 'two')), code('DATA_FORMAT_INVALID'));
    await assert.rejects(loadDataFolder(join(t.dir, 'none')), code('DATA_FORMAT_INVALID'));
    await assert.rejects(loadDataFolder(join(t.dir, 'mismatch')), code('DATA_FORMAT_INVALID'));
    await assert.rejects(loadDataFolder(join(t.dir, 'labels-only')), code('DATA_FORMAT_INVALID'));
    await assert.rejects(loadDataFolder(MNIST, { range: { start: 20000 } }), code('DATA_EMPTY'));
  } finally {
    t.cleanup();
  }
});

test('openDataSource: a path wins, else NAME, NAME@N or NAME@latest is checked out until close', async () => {
  const t = tempWorkspace({ 'rows/a.csv': 'x,target\n1,0\n2,1\n', 'rows2/a.csv': 'x,target\n1,0\n2,1\n3,1\n' });
  const db = await openDb({ sqlitePath: t.ws.dbPath });
  const store = openObjectStore(t.ws.objectsDir);
  const opts = { root: t.dir, tmpDir: t.dir, db: async () => db, store: () => store };
  try {
    await addDataset(db, store, { path: join(t.dir, 'rows'), name: 'rows' });
    await addDataset(db, store, { path: join(t.dir, 'rows2'), name: 'rows' });
    const path = await openDataSource('rows', opts);
    assert.equal(path.version, null);
    assert.equal(path.path, join(t.dir, 'rows'));
    for (const [spec, version, rows] of [
      ['rows@latest', 2, 3],
      ['rows@1', 1, 2],
    ] as const) {
      const src = await openDataSource(spec, { ...opts, root: join(t.dir, 'elsewhere') });
      assert.equal(src.label, `rows@${version}`);
      assert.equal((await loadDataFolder(src.path)).rows, rows);
      src.close();
      assert.equal(existsSync(src.path), false);
    }
    await assert.rejects(openDataSource('no/such/path.csv', opts), code('PATH_NOT_FOUND'));
    await assert.rejects(openDataSource('nope@2', opts), code('DATASET_NOT_FOUND'));
  } finally {
    await db.close();
    t.cleanup();
  }
});
