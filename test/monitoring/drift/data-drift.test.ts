import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsv, resolveCsvHeader } from '../../../src/data/index.js';
import { SlipwayError } from '../../../src/errors/index.js';
import {
  dataDrift,
  driftHtml,
  driftTableFromColumns,
  driftTableFromCsv,
  type DataDriftReport,
  type DriftTable,
} from '../../../src/monitoring/drift/index.js';
import { FIXTURES, tempDir, tempWorkspace } from '../../helpers/temp-workspace.js';
import { cli } from '../../helpers/cli.js';
import { irwinHall, REFERENCE } from './drift-reference-data.js';

const csv = (text: string): DriftTable => driftTableFromCsv(resolveCsvHeader(parseCsv(text)), 'test');
const code = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof SlipwayError, String(e));
    return e.code;
  }
  return 'no error';
};
const col = (r: DataDriftReport, name: string) => r.columns.find((c) => c.name === name)!;

function breastCancerHalves(): { ref: string; cur: string } {
  const lines = readFileSync(join(FIXTURES, 'tabular', 'breast_cancer.csv'), 'utf8')
    .trim()
    .split(/\r?\n/)
    .slice(1);
  const header = [...Array.from({ length: 30 }, (_, i) => `f${i}`), 'target'].join(',');
  return { ref: [header, ...lines.slice(0, 285)].join('\n'), cur: [header, ...lines.slice(285)].join('\n') };
}

test('breast cancer halves: KS per feature, Z-test on the binary target, the target counted in the share', async () => {
  const { ref, cur } = breastCancerHalves();
  const r = await dataDrift(csv(ref), csv(cur), { target: 'target' });
  const bc = REFERENCE.cases.find((c) => c.name === 'breast_cancer feature_0')!.numerical!;
  const f0 = col(r, 'f0');
  assert.equal(f0.method, 'ks');
  assert.equal(f0.type, 'numerical');
  assert.ok(Math.abs(f0.pValue! - (bc.ks as number[])[1]!) <= 1e-6 * (bc.ks as number[])[1]!);
  assert.equal(f0.drift, true);
  assert.equal(r.target?.method, 'z');
  assert.equal(r.target?.type, 'categorical');
  assert.equal(r.numberOfColumns, 31);
  assert.equal(r.shareOfDriftedColumns, r.numberOfDriftedColumns / 31);
  assert.equal(r.datasetDrift, r.shareOfDriftedColumns >= 0.5);
  // Drifting columns come first.
  const firstCalm = r.columns.findIndex((c) => !c.drift);
  assert.ok(r.columns.slice(firstCalm).every((c) => !c.drift));
  const same = await dataDrift(csv(ref), csv(ref), { target: 'target' });
  assert.equal(same.numberOfDriftedColumns, 0);
  assert.equal(same.datasetDrift, false);
});

test('default selection follows Evidently: row count, distinct values and integer columns decide the test', async () => {
  const big = (shift: number) => Float64Array.from(irwinHall({ seed: 7, n: 1500, shift, scale: 1 }));
  const small = (shift: number) => Float64Array.from(irwinHall({ seed: 8, n: 600, shift, scale: 1 }));
  const ints = (n: number, k: number) => Float64Array.from({ length: n }, (_, i) => i % k);
  const large = await dataDrift(
    driftTableFromColumns({ x: big(0), i3: ints(1500, 3), i8: ints(1500, 8) }),
    driftTableFromColumns({ x: big(0.5), i3: ints(1500, 3), i8: ints(1500, 8) }),
  );
  assert.equal(col(large, 'x').method, 'wasserstein');
  assert.equal(col(large, 'x').threshold, 0.1);
  assert.equal(col(large, 'x').drift, true);
  assert.equal(col(large, 'i3').type, 'categorical');
  assert.equal(col(large, 'i3').method, 'jensenshannon');
  assert.equal(col(large, 'i8').type, 'numerical');
  assert.equal(col(large, 'i8').method, 'wasserstein');
  const few = await dataDrift(
    driftTableFromColumns({ x: small(0), i2: ints(600, 2), i4: ints(600, 4) }),
    driftTableFromColumns({ x: small(0), i2: ints(600, 2), i4: ints(600, 4) }),
  );
  assert.equal(col(few, 'x').method, 'ks');
  assert.equal(col(few, 'i2').method, 'z');
  assert.equal(col(few, 'i4').method, 'chisquare');
  // Floats with few values stay numerical but get chi-squared, as Evidently's get_stattest does.
  const halves = Float64Array.from({ length: 600 }, (_, i) => (i % 3) / 2);
  const h = await dataDrift(driftTableFromColumns({ h: halves }), driftTableFromColumns({ h: halves }));
  assert.equal(col(h, 'h').type, 'numerical');
  assert.equal(col(h, 'h').method, 'chisquare');
});

test('--method for every column it fits, per-column methods, thresholds and the drift share', async () => {
  const { ref, cur } = breastCancerHalves();
  const all = await dataDrift(csv(ref), csv(cur), { target: 'target', method: 'psi' });
  assert.ok(all.columns.every((c) => c.method === 'psi'));
  const ks = await dataDrift(csv(ref), csv(cur), { target: 'target', method: 'ks' });
  assert.equal(ks.target?.method, 'z', 'ks does not take a categorical target: it keeps the default');
  const per = await dataDrift(csv(ref), csv(cur), { columnMethods: { f0: 'cvm', f1: 'hellinger' }, threshold: 0.5 });
  assert.equal(col(per, 'f0').method, 'cramer_von_mises');
  assert.equal(col(per, 'f1').method, 'hellinger');
  assert.ok(per.columns.every((c) => c.threshold === 0.5));
  const wrong = await dataDrift(csv(ref), csv(cur), { target: 'target', columnMethods: { target: 'ks' } });
  assert.match(wrong.skipped.find((s) => s.name === 'target')!.reason, /ks/);
  assert.equal(await code(dataDrift(csv(ref), csv(cur), { method: 'nope' })), 'DRIFT_METHOD_UNKNOWN');
  assert.equal(await code(dataDrift(csv(ref), csv(cur), { driftShare: 0 })), 'DRIFT_OPTION_INVALID');
  // Share exactly at the bound drifts (Evidently: share >= drift_share).
  const two = await dataDrift(
    driftTableFromColumns({
      a: Float64Array.from(irwinHall({ seed: 3, n: 200, shift: 0, scale: 1 })),
      b: Float64Array.from(irwinHall({ seed: 4, n: 200, shift: 0, scale: 1 })),
    }),
    driftTableFromColumns({
      a: Float64Array.from(irwinHall({ seed: 5, n: 200, shift: 2, scale: 1 })),
      b: Float64Array.from(irwinHall({ seed: 6, n: 200, shift: 0, scale: 1 })),
    }),
  );
  assert.equal(two.numberOfDriftedColumns, 1);
  assert.equal(two.datasetDrift, true);
});

test('edge cases: NaNs dropped, constant columns, one-sided and empty columns, empty tables, mismatched types', async () => {
  const ref = csv('a,b,c,only_ref,gone\n1,5,x,1,\n2,5,y,2,\nNaN,5,x,3,\n4,5,y,4,\n5,5,x,5,\n6,5,y,6,\n7,5,x,7,');
  const cur = csv('a,b,c,only_cur,gone\n1,5,x,1,\n,5,y,1,\n3,5,x,1,\n4,5,?,1,\n5,5,x,1,\n6,5,y,1,\n9,5,x,1,');
  const r = await dataDrift(ref, cur);
  assert.equal(col(r, 'a').reference.missing, 1);
  assert.equal(col(r, 'a').current.missing, 1);
  assert.equal(col(r, 'a').reference.rows, 6);
  assert.equal(col(r, 'b').type, 'categorical');
  assert.equal(col(r, 'b').method, 'z');
  assert.equal(col(r, 'b').pValue, 1);
  assert.equal(col(r, 'c').current.missing, 1);
  const reasons = Object.fromEntries(r.skipped.map((s) => [s.name, s.reason]));
  assert.match(reasons.only_ref!, /only in the reference/);
  assert.match(reasons.only_cur!, /only in the current/);
  assert.match(reasons.gone!, /all missing/);
  assert.equal(r.numberOfColumns, 3);
  // A constant numeric column over 1000 rows: Wasserstein over max(std, 0.001), no division by zero.
  const k = await dataDrift(
    driftTableFromColumns({ k: new Float64Array(1200).fill(2) }),
    driftTableFromColumns({ k: new Float64Array(1200).fill(2) }),
  );
  assert.equal(col(k, 'k').drift, false);
  assert.equal(await code(dataDrift(csv('a,b\n'), cur)), 'DRIFT_TABLE_EMPTY');
  assert.equal(await code(dataDrift(csv('q\n1\n2'), csv('z\n1\n2'))), 'DRIFT_TABLE_EMPTY');
  const textA = csv('a,c\nlow,x\nhigh,y\nlow,x');
  assert.equal(await code(dataDrift(ref, textA)), 'DRIFT_TYPE_MISMATCH');
  const asCategories = await dataDrift(ref, textA, { categorical: ['a'] });
  assert.equal(col(asCategories, 'a').type, 'categorical');
  assert.equal(await code(dataDrift(ref, cur, { target: 'nope' })), 'DRIFT_COLUMN_UNKNOWN');
  assert.equal(await code(dataDrift(ref, cur, { target: 'only_ref' })), 'DRIFT_COLUMN_UNKNOWN');
});

test('worker threads give the same report as the main thread', async () => {
  const cols = (seed: number, shift: number) =>
    Object.fromEntries(
      ['a', 'b', 'c'].map((n, i) => [n, Float32Array.from(irwinHall({ seed: seed + i, n: 3000, shift: i * shift, scale: 1 }))]),
    );
  const ref = driftTableFromColumns(cols(100, 0));
  const cur = driftTableFromColumns(cols(200, 0.1));
  const inline = await dataDrift(ref, cur, { workers: 0 });
  const threaded = await dataDrift(ref, cur, { workers: 2 });
  assert.deepEqual(threaded, inline);
  assert.equal(col(inline, 'c').drift, true);
});

test('HTML report: one self-contained page, the verdict, a chart per column, drifting columns first', async () => {
  const { ref, cur } = breastCancerHalves();
  const r = await dataDrift(csv(ref), csv(cur), { target: 'target' });
  const html = driftHtml(r, 'BC <halves>');
  assert.match(html, /^<!doctype html>/);
  assert.ok(!/<script|src=|href="http/.test(html), 'nothing loaded from elsewhere');
  assert.ok(html.includes('BC &#60;halves&#62;'));
  assert.equal(html.match(/<svg /g)?.length, r.numberOfColumns);
  const firstDrift = html.indexOf(`id="col-${r.columns.find((c) => c.drift)!.name}"`);
  const firstCalm = html.indexOf(`id="col-${r.columns.find((c) => !c.drift)!.name}"`);
  assert.ok(firstDrift > 0 && firstDrift < firstCalm);
});

test('slipway drift: CSV files and dataset versions, text, JSON and HTML; exit 1 on dataset drift', () => {
  const { ref, cur } = breastCancerHalves();
  const w = tempWorkspace({ 'ref.csv': ref, 'cur.csv': cur });
  try {
    const same = cli(['drift', 'ref.csv', 'ref.csv'], { cwd: w.dir });
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /no dataset drift/);
    const j = cli(['drift', 'ref.csv', 'cur.csv', '--target', 'target', '--json', '--html', 'out/report.html'], { cwd: w.dir });
    assert.equal(j.code, 2, 'out/ does not exist');
    assert.match(j.stderr, /PATH_NOT_FOUND/);
    const ok = cli(['drift', 'ref.csv', 'cur.csv', '--target', 'target', '--json', '--html', 'report.html'], { cwd: w.dir });
    assert.equal(ok.code, 1, ok.stderr);
    const report = JSON.parse(ok.stdout) as DataDriftReport;
    assert.equal(report.datasetDrift, true);
    assert.equal(report.target?.name, 'target');
    assert.match(readFileSync(join(w.dir, 'report.html'), 'utf8'), /Dataset drift detected/);
    assert.equal(cli(['data', 'add', 'ref.csv', '--name', 'pts'], { cwd: w.dir }).code, 0);
    writeFileSync(join(w.dir, 'ref.csv'), cur);
    assert.equal(cli(['data', 'add', 'ref.csv', '--name', 'pts'], { cwd: w.dir }).code, 0);
    const versions = cli(['drift', 'pts@1', 'pts@2', '--method', 'psi'], { cwd: w.dir });
    assert.equal(versions.code, 1, versions.stderr);
    assert.match(versions.stdout, /pts@1 \(285 rows\) → pts@2 \(284 rows\)/);
    const bad = cli(['drift', 'pts@1', 'pts@2', '--method', 'nope'], { cwd: w.dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /DRIFT_METHOD_UNKNOWN/);
  } finally {
    w.cleanup();
  }
  const t = tempDir({ 'a.csv': 'x\n', 'b.csv': 'x\n1\n' });
  try {
    const empty = cli(['drift', 'a.csv', 'b.csv'], { cwd: t.dir });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /DRIFT_TABLE_EMPTY/);
  } finally {
    t.cleanup();
  }
});
