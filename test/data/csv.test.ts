import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readCsvTable, readCsvTableSync, parseCsv } from '../../src/data/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { FIXTURES, tempDir } from '../helpers/temp-workspace.js';

test('reads the scikit-learn breast cancer CSV with its special header', async () => {
  const t = await readCsvTable(join(FIXTURES, 'tabular', 'breast_cancer.csv'));
  assert.equal(t.rows, 569);
  assert.equal(t.features.length, 30);
  assert.equal(t.features[0], 'feature_0');
  assert.deepEqual(t.columns.at(-1), 'target');
  assert.deepEqual(t.classNames, ['malignant', 'benign']);
  assert.equal(t.x.length, 569 * 30);
  assert.ok(Math.abs(t.x[0]! - 17.99) < 1e-5);
  assert.ok(t.y);
  const benign = [...t.y].filter((v) => v === 1).length;
  assert.equal(benign, 357);
});

test('reads iris with three classes', () => {
  const t = readCsvTableSync(join(FIXTURES, 'tabular', 'iris.csv'));
  assert.equal(t.rows, 150);
  assert.deepEqual(t.classNames, ['setosa', 'versicolor', 'virginica']);
  assert.deepEqual(new Set(t.y), new Set([0, 1, 2]));
  assert.ok(Math.abs(t.x[0]! - 5.1) < 1e-5);
});

test('parses quoted fields, doubled quotes, CRLF and newlines in quotes', () => {
  const rows = parseCsv('a,"b,c","say ""hi"""\r\n1,"line\nbreak",3\n');
  assert.deepEqual(rows, [
    ['a', 'b,c', 'say "hi"'],
    ['1', 'line\nbreak', '3'],
  ]);
});

test('a normal header, a text target, missing cells and target by name or index', async () => {
  const { dir, cleanup } = tempDir({
    'a.csv': 'x1,"x 2",label\n1,2,cat\n3,,dog\n5,6,cat\n',
    'bad.csv': 'x,y\n1,2\n3\n',
    'text.csv': 'x,y\n1,hello\n',
    'nums.csv': '3,2\n1,2\n',
  });
  try {
    const t = await readCsvTable(join(dir, 'a.csv'), { target: 'label' });
    assert.deepEqual(t.features, ['x1', 'x 2']);
    assert.deepEqual(t.classNames, ['cat', 'dog']);
    assert.deepEqual([...t.y!], [0, 1, 0]);
    assert.ok(Number.isNaN(t.x[3]));
    const byIndex = await readCsvTable(join(dir, 'nums.csv'), { target: 0 });
    assert.deepEqual([...byIndex.y!], [3, 1]);
    const last = await readCsvTable(join(dir, 'a.csv'), { target: -1 });
    assert.deepEqual(last.features, ['x1', 'x 2']);
    await assert.rejects(readCsvTable(join(dir, 'a.csv'), { target: 'nope' }), (e) => isSlipwayError(e, 'DATA_COLUMN_NOT_FOUND'));
    await assert.rejects(readCsvTable(join(dir, 'bad.csv')), (e) => isSlipwayError(e, 'DATA_FORMAT_INVALID'));
    await assert.rejects(readCsvTable(join(dir, 'text.csv')), (e) => isSlipwayError(e, 'DATA_FORMAT_INVALID'));
    // Without a target option and no `target` column, every column is a feature; text in one is refused.
    await assert.rejects(readCsvTable(join(dir, 'a.csv')), (e) => isSlipwayError(e, 'DATA_FORMAT_INVALID'));
    const headerless = await readCsvTable(join(dir, 'nums.csv'));
    assert.equal(headerless.y, null);
    assert.deepEqual(headerless.columns, ['column_0', 'column_1']);
    assert.equal(headerless.rows, 2);
  } finally {
    cleanup();
  }
});
