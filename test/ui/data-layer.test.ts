/** The dashboard's data layer (ui/src/data): pure transforms, and the fetchers against a real seeded server. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, api, configureApi, qs } from '../../ui/src/data/api.js';
import { RunsWindow, cellValue, fetchRunsPage, nextSort, quoteKey, runColumns, visibleRange } from '../../ui/src/data/runs-data.js';
import { artifactUrl, chartColumns, fetchHistory, fetchRun, parseCsvPreview, previewKind, smooth } from '../../ui/src/data/run-data.js';
import { alignSeries, diffTable, parallelCoordinates, parseRunIds } from '../../ui/src/data/compare-data.js';
import {
  categoryBars,
  diffLines,
  fetchDatasetDiff,
  fetchDatasetVersion,
  histogramBars,
  profileViews,
} from '../../ui/src/data/datasets-data.js';
import { aliasesByVersion, fetchModel, gateRows, lineageGraph } from '../../ui/src/data/models-data.js';
import { fetchPipeline, layout, pipelineGraph, stageState } from '../../ui/src/data/pipelines-data.js';
import { fetchSnapshot, monitorColumns, versionLabel } from '../../ui/src/data/monitoring-data.js';
import { formatBytes, formatNumber } from '../../ui/src/data/format.js';
import type { GateReport, PipelineStage, RunRecord } from '../../ui/src/data/types.js';
import { seedRuns, seedWorkspace, type Seeded } from './seed-workspace.js';

let s: Seeded;

before(async () => {
  s = await seedWorkspace({ uiDir: false, runs: 6, historyPoints: 3000 });
  await seedRuns(s.db, { n: 450, experiment: 'many', steps: 1 });
  const base = await s.app.listen({ port: 0, host: '127.0.0.1' });
  configureApi({ base });
});
after(async () => {
  await s.close();
});

const run = (id: string, params: Record<string, string>, metrics: Record<string, number>): RunRecord => ({
  id,
  experiment: 'e',
  name: null,
  kind: 'run',
  status: 'FINISHED',
  startTime: 0,
  endTime: 1,
  parentRunId: null,
  code: { commit: null, dirty: false, diffHash: null },
  env: {},
  params,
  tags: {},
  metrics,
  inputs: [],
  artifacts: [],
});

test('api: server errors keep their code; a dead server is UNREACHABLE; qs drops empty values', async () => {
  await assert.rejects(api('/api/runs/NOPE'), (e) => e instanceof ApiError && e.code === 'RUN_NOT_FOUND' && e.status === 404);
  await assert.rejects(api('/api/runs?where=%3D%3D'), (e) => e instanceof ApiError && e.code === 'FILTER_INVALID');
  await assert.rejects(api('/api/x', {}, { base: 'http://127.0.0.1:1' }), (e) => e instanceof ApiError && e.code === 'UNREACHABLE');
  assert.equal(qs({ a: 1, b: '', c: undefined, d: 'x y' }), '?a=1&d=x+y');
  assert.equal(qs({}), '');
});

test('runs: columns, sort cycle, cells, visible range', () => {
  const cols = runColumns({ params: ['lr', 'odd key'], metrics: Array.from({ length: 50 }, (_, i) => `m${i}`), tags: [] }, 30);
  assert.equal(cols.filter((c) => c.scope === 'metrics').length, 30);
  const odd = cols.find((c) => c.key === 'odd key')!;
  assert.equal(odd.sortKey, 'params."odd key"');
  assert.equal(quoteKey('val/acc'), 'val/acc');
  assert.equal(nextSort(undefined, odd), 'params."odd key" asc');
  assert.equal(nextSort('params."odd key" asc', odd), 'params."odd key" desc');
  assert.equal(nextSort('params."odd key" desc', odd), undefined);
  const r = run('01X', { lr: '0.1' }, { acc: 0.9 });
  assert.equal(
    cellValue(
      r,
      cols.find((c) => c.key === 'lr')!,
    ),
    '0.1',
  );
  assert.equal(
    cellValue(
      r,
      cols.find((c) => c.key === 'name')!,
    ),
    '01X',
  );
  assert.deepEqual(visibleRange(2800, 560, 28, 10_000, 10), { from: 90, to: 130 });
  assert.deepEqual(visibleRange(0, 560, 28, 5, 10), { from: 0, to: 5 });
});

test('runs window: pages load once, on demand, against the server (filter and sort included)', async () => {
  let loads = 0;
  const counted = (q: Parameters<typeof fetchRunsPage>[0], o: number, l: number): ReturnType<typeof fetchRunsPage> => {
    loads++;
    return fetchRunsPage(q, o, l);
  };
  const w = new RunsWindow({ experiment: 'many', orderBy: 'start_time asc' }, counted, 200);
  await Promise.all([w.ensure(0, 40), w.ensure(10, 50)]);
  assert.equal(loads, 1);
  assert.equal(w.total, 450);
  assert.equal(w.row(0)?.name, 'run-00000');
  assert.equal(w.row(250), undefined);
  await w.ensure(390, 410); // straddles pages 1 and 2
  assert.equal(loads, 3);
  assert.equal(w.row(399)?.name, 'run-00399');
  assert.equal(w.row(400)?.name, 'run-00400');
  await w.ensure(400, 450);
  assert.equal(loads, 3);
  assert.equal(w.loaded, 450);
  const f = new RunsWindow({ experiment: 'many', where: 'params.lr = 0.1' });
  await f.ensure(0, 10);
  assert.equal(f.total, 150);
  assert.equal(f.row(0)?.params.lr, '0.1');
});

test('run: smoothing, log-scale columns, previews, CSV, artifact URLs, history from the server', async () => {
  assert.deepEqual(smooth([1, 2, 3], 0), [1, 2, 3]);
  const flat = smooth([5, 5, 5, 5], 0.9);
  assert.ok(flat.every((v) => Math.abs(v - 5) < 1e-12));
  const sm = smooth([0, 10, 0, 10], 0.6);
  assert.equal(sm[0], 0);
  assert.ok(sm[3]! > 0 && sm[3]! < 10);
  const [xs, ys] = chartColumns(
    [
      { step: 0, ts: 1000, value: 1 },
      { step: 1, ts: 2000, value: 0 },
    ],
    { x: 'time', smoothing: 0, log: true },
  );
  assert.deepEqual(xs, [1, 2]);
  assert.deepEqual(ys, [1, null]);
  assert.equal(previewKind('a/b.PNG'), 'image');
  assert.equal(previewKind('plot.svg'), 'svg');
  assert.equal(previewKind('x.json'), 'json');
  assert.equal(previewKind('model.bin'), 'none');
  assert.deepEqual(parseCsvPreview('a,b\n"x, y","he said ""hi"""\r\n1,2'), [
    ['a', 'b'],
    ['x, y', 'he said "hi"'],
    ['1', '2'],
  ]);
  assert.equal(artifactUrl('R', 'plots/a b.svg'), '/api/runs/R/artifacts/plots/a%20b.svg');
  const r = await fetchRun(s.mainRun);
  assert.equal(r.name, 'cnn-main');
  const h = await fetchHistory(s.mainRun, 'loss', { maxPoints: 300 });
  assert.equal(h.points.length, 300);
  assert.equal(h.total, 3000);
  assert.equal(h.downsampled, true);
});

test('compare: aligned series, parallel coordinates, diff table, run ids', () => {
  const [xs, a, b] = alignSeries([
    { x: [0, 2], y: [1, 3] },
    { x: [1, 2], y: [5, 6] },
  ]);
  assert.deepEqual(xs, [0, 1, 2]);
  assert.deepEqual(a, [1, null, 3]);
  assert.deepEqual(b, [null, 5, 6]);
  const runs = [
    run('a', { lr: '0.1', opt: 'adam' }, { acc: 0.5 }),
    run('b', { lr: '0.3', opt: 'sgd' }, { acc: 1 }),
    run('c', { lr: '0.2' }, {}),
  ];
  const pc = parallelCoordinates(runs);
  assert.deepEqual(
    pc.axes.map((x) => [x.id, x.kind]),
    [
      ['params.lr', 'numeric'],
      ['params.opt', 'categorical'],
      ['metrics.acc', 'numeric'],
    ],
  );
  assert.deepEqual(pc.lines[0]!.values, [0, 0, 0]);
  assert.ok(Math.abs(pc.lines[2]!.values[0]! - 0.5) < 1e-12);
  assert.equal(pc.lines[2]!.values[1], null);
  const diff = diffTable(runs);
  const params = diff.filter((r) => r.scope === 'params');
  assert.ok(params.every((r) => r.differs));
  assert.deepEqual(diff.find((r) => r.key === 'status')!.differs, false);
  assert.deepEqual(parseRunIds(' a,b,,a , c'), ['a', 'b', 'c']);
});

test('datasets: histogram bars, label bars, profile views and the diff, from the server', async () => {
  const bars = histogramBars({ edges: [0, 1, 2], counts: [2, 4] });
  assert.deepEqual(
    bars.map((b) => [b.from, b.to, b.height]),
    [
      [0, 1, 0.5],
      [1, 2, 1],
    ],
  );
  assert.deepEqual(
    categoryBars({ '10': 1, '2': 3 }).map((b) => b.from),
    ['2', '10'],
  );
  const v1 = await fetchDatasetVersion('iris', 1);
  const views = profileViews(v1.profile);
  assert.equal(views.length, 1);
  assert.match(views[0]!.summary, /150 rows/);
  assert.ok(views[0]!.charts.length >= 4);
  assert.deepEqual(profileViews(null), []);
  const d = await fetchDatasetDiff('iris', 1, 2);
  assert.deepEqual(
    diffLines(d).map((l) => [l.kind, l.path]),
    [['changed', 'iris.csv']],
  );
});

test('models: versions newest first, aliases by version, gate rows failures first, lineage graph', async () => {
  const m = await fetchModel('iris');
  assert.deepEqual(
    m.versions.map((v) => v.version),
    [2, 1],
  );
  assert.deepEqual([...aliasesByVersion(m.aliases)], [[1, ['production']]]);
  const report: GateReport = {
    id: 'g',
    version: 1,
    dataset: 'd',
    rows: 10,
    passed: false,
    createdAt: 0,
    results: [
      { gate: 'metric', rule: 'accuracy >= 0.9', value: 0.95, bound: '>= 0.9', passed: true },
      { gate: 'latency', rule: 'p95 <= 5', value: 9, bound: '<= 5', passed: false },
    ],
  };
  assert.deepEqual(
    gateRows(report).map((r) => r.gate),
    ['latency', 'metric'],
  );
  assert.deepEqual(gateRows(null), []);
  const g = lineageGraph({
    datasets: [{ name: 'iris', version: 2 }],
    run: { id: '01RUNIDXYZ', experiment: 'e', commit: 'abcdef1234', dirty: false },
    source: null,
    model: { name: 'iris', version: 3, treeHash: 'h', parent: 2 },
    aliases: ['production'],
    deployments: [{ name: 'web', role: 'stable' }],
  });
  assert.deepEqual(
    g.edges.map((e) => `${e.from}>${e.to}`),
    ['dataset:iris@2>run:01RUNIDXYZ', 'run:01RUNIDXYZ>model:iris@3', 'model:iris@3>alias:production', 'alias:production>deployment:web'],
  );
});

test('pipelines: DAG layers, stage state, layout; the seeded pipeline from the server', async () => {
  const st = (name: string, upstream: string[], extra: Partial<PipelineStage> = {}): PipelineStage => ({
    name,
    cmd: [],
    deps: [],
    outs: [],
    upstream,
    state: 'up_to_date',
    reasons: [],
    running: false,
    lastRuns: [],
    ...extra,
  });
  const stages = [st('a', []), st('b', ['a'], { state: 'stale' }), st('c', ['a', 'b'], { running: true, state: 'stale' }), st('d', [])];
  const g = pipelineGraph(stages);
  assert.deepEqual(
    g.nodes.map((n) => [n.id, n.layer, n.state]),
    [
      ['a', 0, 'up to date'],
      ['b', 1, 'stale'],
      ['c', 2, 'running'],
      ['d', 0, 'up to date'],
    ],
  );
  assert.equal(stageState(st('f', [], { state: 'frozen' })), 'frozen');
  const l = layout(g, { colWidth: 100, rowHeight: 50 });
  assert.deepEqual(l.positions.get('d'), { x: 10, y: 60 });
  assert.equal(l.width, 300);
  const p = await fetchPipeline();
  assert.deepEqual(
    p.map((x) => x.name),
    ['prepare', 'train'],
  );
});

test('monitoring: per-version columns with role labels, from a real snapshot', async () => {
  const snap = await fetchSnapshot('iris', '15m');
  const acc = monitorColumns(snap, 'accuracy');
  assert.deepEqual(acc.labels, ['v1 (production)', 'v2']);
  assert.equal(acc.data.length, 3);
  assert.equal(acc.data[1]!.length, acc.data[0].length);
  assert.ok(acc.data[0].every((t, i, a) => i === 0 || t > a[i - 1]!));
  assert.equal(versionLabel(null, {}), 'unversioned');
  assert.equal(versionLabel(4, { '4': ['canary'] }), 'v4 (canary)');
});

test('format: numbers and bytes', () => {
  assert.equal(formatNumber(0.123456), '0.1235');
  assert.equal(formatNumber(3), '3');
  assert.equal(formatNumber(null), '—');
  assert.equal(formatNumber(1e-5), '1.000e-5');
  assert.equal(formatBytes(1536), '1.5 KiB');
});
