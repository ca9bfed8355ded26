import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDb, type Db } from '../../src/meta/index.js';
import { driftReport, featureRows, monitoringReport } from '../../src/monitoring/index.js';
import { tempDir } from '../helpers/temp-workspace.js';

const INSERT =
  'INSERT INTO predictions (request_id, model, version, at, latency_ms, status, predicted, input_json, output_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';
const HOUR = 3_600_000;
const NOW = 100 * HOUR;

/** Deterministic uniforms so the seeded windows are the same every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** `n` rows between `from` and `from + HOUR`: class 1 with probability `p1`, inputs [x + shift, 7, y]. */
function rows(prefix: string, from: number, n: number, p1: number, shift: number, seed: number): unknown[][] {
  const u = rng(seed);
  return Array.from({ length: n }, (_, i) => [
    `${prefix}${i}`,
    'm',
    1,
    from + Math.floor((i * HOUR) / n),
    5,
    200,
    u() < p1 ? '1' : '0',
    JSON.stringify({ x: [[u() + shift, 7, u()]] }),
    null,
  ]);
}

async function withDb(f: (db: Db) => Promise<void>): Promise<void> {
  const t = tempDir();
  const db = await openDb({ sqlitePath: join(t.dir, 'm.db') });
  try {
    await f(db);
  } finally {
    await db.close();
    t.cleanup();
  }
}

test('drift: a stable window is ok; a shifted one alerts on predicted classes and names the drifted feature', async () => {
  await withDb(async (db) => {
    await db.runMany(INSERT, [...rows('r', NOW - 2 * HOUR, 300, 0.5, 0, 1), ...rows('c', NOW - HOUR + 1, 300, 0.5, 0, 2)]);
    const stable = await driftReport(db, 'm', NOW - HOUR, NOW);
    assert.equal(stable.reference.requests, 300);
    assert.equal(stable.current.requests, 300);
    assert.equal(stable.prediction!.status, 'ok');
    assert.ok(stable.prediction!.psi < 0.1 && stable.prediction!.pValue > 0.05, JSON.stringify(stable.prediction));
    assert.equal(stable.features!.width, 3);
    assert.equal(stable.features!.varying, 2, 'the constant feature is not tested');
    assert.ok(stable.features!.maxPsi < 0.1, JSON.stringify(stable.features));

    await db.run('DELETE FROM predictions WHERE request_id LIKE ?', ['c%']);
    await db.runMany(INSERT, rows('s', NOW - HOUR + 1, 300, 0.9, 0.5, 3));
    const d = await driftReport(db, 'm', NOW - HOUR, NOW);
    assert.equal(d.status, 'alert');
    const p = d.prediction!;
    assert.equal(p.status, 'alert');
    assert.ok(p.psi >= 0.25 && p.pValue < 0.05 && p.df === 1, JSON.stringify(p));
    assert.deepEqual(
      p.classes.map((c) => c.label),
      ['0', '1'],
    );
    const f = d.features!;
    assert.equal(f.top[0]!.feature, 'x[0]');
    assert.equal(f.top[0]!.status, 'alert');
    assert.ok(f.top[0]!.pValue < 0.05);
    assert.equal(f.drifted, 1, 'y did not move');

    // The report carries it, with the thresholds from the settings.
    const r = await monitoringReport(db, 'm', { windowMs: HOUR, now: NOW, drift: { psiAlert: 100, psiWarn: 50 } });
    assert.equal(r.requests, 300);
    assert.equal(r.drift.prediction!.status, 'warn', 'a PSI under the raised bounds still warns on the p-value');
    assert.equal(r.drift.thresholds.psiAlert, 100);
  });
});

test('drift: the reference window can be longer (7d) and ends where the window starts; no data is reported as such', async () => {
  await withDb(async (db) => {
    // Reference rows 3 days back: outside a 1h reference, inside a 7d one.
    await db.runMany(INSERT, [...rows('r', NOW - 72 * HOUR, 100, 0.5, 0, 1), ...rows('c', NOW - HOUR + 1, 100, 0.5, 0, 2)]);
    const short = await driftReport(db, 'm', NOW - HOUR, NOW);
    assert.equal(short.reference.requests, 0);
    assert.equal(short.prediction, null);
    assert.equal(short.features, null);
    assert.equal(short.status, 'no_data');
    const week = await driftReport(db, 'm', NOW - HOUR, NOW, { referenceMs: 7 * 24 * HOUR });
    assert.equal(week.reference.requests, 100);
    assert.equal(week.reference.to, NOW - HOUR);
    assert.notEqual(week.prediction, null);
  });
});

test('drift: wide inputs (784 pixels) are capped to the screened features with variance', async () => {
  await withDb(async (db) => {
    const u = rng(9);
    const image = (bright: number): string => {
      const px = new Array<number>(784).fill(0);
      for (let i = 300; i < 340; i++) px[i] = Math.min(1, u() * bright);
      return JSON.stringify({ image: [px] });
    };
    const data: unknown[][] = [];
    for (let i = 0; i < 120; i++) data.push([`r${i}`, 'm', 1, NOW - 2 * HOUR + i, 1, 200, '3', image(0.5), null]);
    for (let i = 0; i < 120; i++) data.push([`c${i}`, 'm', 1, NOW - HOUR + 1 + i, 1, 200, '3', image(1), null]);
    await db.runMany(INSERT, data);
    const d = await driftReport(db, 'm', NOW - HOUR, NOW, { maxFeatures: 8, top: 3 });
    const f = d.features!;
    assert.equal(f.width, 784);
    assert.equal(f.varying, 40, 'blank border pixels are skipped');
    assert.equal(f.tested, 8);
    assert.equal(f.top.length, 3);
    assert.ok(
      f.top.every((x) => /^image\[3[0-3]\d\]$/.test(x.feature)),
      JSON.stringify(f.top),
    );
    assert.equal(f.status, 'alert');
    // A single class in both windows: nothing to test, p 1.
    assert.equal(d.prediction!.pValue, 1);
  });
});

test('featureRows: batches, multi-tensor inputs, redacted and mismatched rows', () => {
  const r = featureRows([
    JSON.stringify({ b: [[1], [2]], a: [[[0, 1]], [[2, 3]]] }),
    JSON.stringify({ a: '[redacted]' }),
    'not json',
    null,
    JSON.stringify({ a: [[9, 9, 9]] }),
  ])!;
  assert.deepEqual(r.names, ['a[0]', 'a[1]', 'b[0]']);
  assert.deepEqual(
    r.rows.map((x) => [...x]),
    [
      [0, 1, 1],
      [2, 3, 2],
      [9, 9, 9],
    ],
  );
  assert.equal(featureRows([JSON.stringify({ a: [1, 2] })], 3), null, 'wrong width against the reference');
  assert.equal(featureRows([JSON.stringify({ t: 'text' })]), null);
});
