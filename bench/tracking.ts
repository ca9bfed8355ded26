// Tracking throughput: 100,000 metric points logged through the SDK (target < 2 s), one 100,000-point history read
// (target < 200 ms), and listRuns over 10,000 runs with a metric filter (target < 300 ms). Anchors, measured in the
// same run on the same machine and alternated A B A B A B with ours: the same rows inserted / read with raw
// better-sqlite3 prepared statements.
// Run: node --import tsx bench/tracking.ts [--points 100000] [--runs 10000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { initWorkspace } from '../src/config/index.js';
import { openDb } from '../src/meta/index.js';
import { openObjectStore } from '../src/store/index.js';
import { createRun, listRuns, logBatch, metricHistory, endRun, startRun } from '../src/tracking/index.js';
import { alternate, median, ratioLine, sideLine } from './alternate.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const POINTS = arg('--points', 100_000);
const RUNS = arg('--runs', 10_000);
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const line = (what: string, v: number, target: number, anchor?: number): void =>
  console.log(
    `${what.padEnd(52)} ${v.toFixed(1).padStart(8)} ms  target < ${target} ms ${v < target ? 'ok ' : 'MISS'}` +
      (anchor !== undefined ? `  anchor median ${anchor.toFixed(1)} ms (per-round ratio below)` : ''),
  );

const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-tracking-'));
try {
  const ws = initWorkspace(dir);
  const db = await openDb({ sqlitePath: ws.dbPath });
  const store = openObjectStore(ws.objectsDir);

  // Anchor: raw prepared statements on an identical table (same covering index), in a database of its own.
  const raw = new Database(join(dir, 'anchor.db'));
  raw.pragma('journal_mode = WAL');
  raw.exec(
    'CREATE TABLE metrics (run_id TEXT NOT NULL, key TEXT NOT NULL, step BIGINT NOT NULL, ts BIGINT NOT NULL, value DOUBLE PRECISION NOT NULL)',
  );
  raw.exec('CREATE INDEX metrics_history_cover ON metrics (run_id, key, step, ts, value)');
  const ins = raw.prepare('INSERT INTO metrics VALUES (?, ?, ?, ?, ?)');
  const sel = raw.prepare('SELECT step, ts, value FROM metrics WHERE run_id = ? AND key = ? ORDER BY step, ts');
  const now = Date.now();

  // 1. Logging (SDK: from the first logMetric until end() has flushed everything; anchor: one transaction of
  // INSERTs), then 2. reading one full history, each alternated anchor/SDK over 3 rounds with a fresh run per round.
  const logs = await alternate(
    3,
    (r) => {
      const t0 = process.hrtime.bigint();
      raw.transaction(() => {
        for (let i = 0; i < POINTS; i++) ins.run(`r${r}`, 'loss', i, now, 1 / (i + 1));
      })();
      return ms(t0);
    },
    async () => {
      const run = await startRun({ experiment: 'bench', db, store, workspace: dir });
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < POINTS; i++) run.logMetric('loss', 1 / (i + 1), i);
      await run.end();
      return { ms: ms(t0), id: run.id };
    },
  );
  const reads = await alternate(
    3,
    (r) => {
      const t0 = process.hrtime.bigint();
      sel.all(`r${r}`, 'loss');
      return ms(t0);
    },
    async (r) => {
      const t0 = process.hrtime.bigint();
      const hist = await metricHistory(db, logs.b[r]!.id, 'loss');
      const v = ms(t0);
      if (hist.length !== POINTS) throw new Error(`history has ${hist.length} points, expected ${POINTS}`);
      return v;
    },
  );
  raw.close();
  const sdkLog = logs.b.map((x) => x.ms);
  line(`log ${POINTS} metric points through the SDK (median of 3)`, median(sdkLog), 2000, median(logs.a));
  console.log(`  ${sideLine('SDK', sdkLog, 'ms', 1)}; SDK/anchor time ${ratioLine(logs.a, sdkLog)}`);
  line(`read one ${POINTS}-point history (median of 3)`, median(reads.b), 200, median(reads.a));
  console.log(`  ${sideLine('SDK', reads.b, 'ms', 1)}; SDK/anchor time ${ratioLine(reads.a, reads.b)}`);

  // 3. listRuns over many runs with a metric filter (about 10% match), newest first and sorted by the metric.
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < RUNS; i++) {
    const { id } = await createRun(db, {
      experiment: i % 2 ? 'sweep-a' : 'sweep-b',
      params: { lr: String(10 ** -(1 + (i % 4))), seed: String(i) },
    });
    const acc = ((i * 7919) % RUNS) / RUNS;
    await logBatch(db, id, {
      metrics: [
        { key: 'accuracy', value: acc, step: 0, timestamp: now },
        { key: 'loss', value: 1 - acc, step: 0, timestamp: now },
      ],
    });
    await endRun(db, id, 'FINISHED');
  }
  console.log(`(created ${RUNS} runs in ${ms(t0).toFixed(0)} ms)`);
  await listRuns(db, { where: 'metrics.accuracy > 0.9', limit: 10 }); // warm the statement cache
  const timeList = async (label: string, q: Parameters<typeof listRuns>[1], expect?: number): Promise<void> => {
    const t = process.hrtime.bigint();
    const out = await listRuns(db, q);
    const v = ms(t);
    if (expect !== undefined && out.length !== expect) throw new Error(`${label}: ${out.length} runs, expected ${expect}`);
    line(`${label} → ${out.length} runs`, v, 300);
  };
  await timeList(`listRuns(${RUNS}) where metrics.accuracy > 0.9`, { where: 'metrics.accuracy > 0.9' });
  await timeList(`… and sorted by metrics.accuracy desc`, { where: 'metrics.accuracy > 0.9', orderBy: 'metrics.accuracy desc' });
  await timeList(`… and params.lr = 0.01, limit 100`, { where: 'metrics.accuracy > 0.9 and params.lr = 0.01', limit: 100 });
  await db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
