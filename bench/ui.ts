// The dashboard in headless Chromium (Debian's chromium, driven by playwright-core), B = the issue's sizes against
// A = an anchor workspace 100× smaller, measured alternately in the same run (A B A B A B):
//   runs page: navigation → first rows on screen, with 10,000 runs (A: 100); filter applied (request + render);
//   run page: navigation → a 100,000-point history charted (A: 1,000 points), and the chart's own draw time;
//   compare: navigation → 100 runs × 5 metrics charted with the diff table (A: 10 runs × 5 metrics).
// Targets (issue 18): runs < 1000 ms, filter < 200 ms, 100k-point chart < 300 ms, compare < 1000 ms.
// Run: node --import tsx bench/ui.ts [--rounds 3]
import { rmSync, mkdtempSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { createRun, endRun, logBatch } from '../src/tracking/index.js';
import { seedWorkspace, type Seeded } from '../test/ui/seed-workspace.js';
import { buildUiInto, chromiumPath, CHROMIUM_ARGS } from '../test/ui/ui-build.js';
import { alternate, median, ratioLine, sideLine } from './alternate.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const rounds = arg('--rounds', 3);
const FILTER = "params.lr = 0.1 and status = 'FINISHED'";

interface Side {
  readonly s: Seeded;
  readonly base: string;
  readonly compareIds: string[];
  readonly filtered: number;
}

/** Logs `n` runs of 5 metrics × `steps` points each, for the compare view. */
async function seedCompare(s: Seeded, n: number, steps: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { id } = await createRun(s.db, {
      experiment: 'compare',
      name: `cmp-${i}`,
      params: { lr: String(0.001 * (1 + (i % 10))), depth: String(2 + (i % 4)) },
    });
    const metrics = [];
    for (const [k, key] of ['loss', 'accuracy', 'f1', 'val_loss', 'val_accuracy'].entries())
      for (let st = 0; st < steps; st++)
        metrics.push({ key, value: Math.exp(-st / (100 + i)) * (k + 1) + 0.01 * Math.sin(st + i), step: st, timestamp: st });
    await logBatch(s.db, id, { metrics });
    await endRun(s.db, id, 'FINISHED');
    ids.push(id);
  }
  return ids;
}

async function side(uiDir: string, runs: number, historyPoints: number, compareRuns: number): Promise<Side> {
  const t = performance.now();
  const s = await seedWorkspace({ uiDir, runs, steps: 1, historyPoints, manyMetrics: false });
  const compareIds = await seedCompare(s, compareRuns, 1000);
  const base = (await s.app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
  const filtered = (await s.app.inject({ url: `/api/runs?where=${encodeURIComponent(FILTER)}&limit=1` })).json().total as number;
  console.log(
    `seeded ${runs} runs, a ${historyPoints}-point history, ${compareRuns} runs × 5 metrics × 1000 steps in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  return { s, base, compareIds, filtered };
}

interface Figures {
  runsOnScreen: number;
  filter: number;
  chartNav: number;
  chartDraw: number;
  compare: number;
  /** CPU time of this process (the in-process server, and playwright's side) while the page loaded: less load-dependent than wall time. */
  chartCpu: number;
  compareCpu: number;
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Time from navigation start until `expr` holds, polled every animation frame (ms, the page's own clock). */
const untilRaf = (expr: string): string => `(() => (${expr}) ? performance.now() : false)()`;

async function measure(ctx: BrowserContext, sd: Side): Promise<Figures> {
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${sd.base}/runs`, { waitUntil: 'commit' });
    const runsOnScreen = (await (
      await page.waitForFunction(untilRaf(`document.querySelector('[data-testid=run-row]')`), null, { polling: 'raf' })
    ).jsonValue()) as number;
    await page.getByTestId('runs-filter').fill(FILTER);
    const want = `${sd.filtered.toLocaleString('en-US')} runs`;
    const filter = await page.evaluate(async (want) => {
      const t0 = performance.now();
      (document.querySelector('form.toolbar') as HTMLFormElement).requestSubmit();
      for (;;) {
        await new Promise((r) => requestAnimationFrame(r));
        const rows = document.querySelectorAll('[data-testid=run-row]');
        if (document.querySelector('[data-testid=runs-count]')?.textContent === want && rows.length > 0) return performance.now() - t0;
      }
    }, want);

    const c0 = cpuMs();
    await page.goto(`${sd.base}/runs/${sd.s.mainRun}`, { waitUntil: 'commit' });
    const chartNav = (await (
      await page.waitForFunction(untilRaf(`document.querySelector('[data-testid=metric-chart-loss][data-drawn="1"]')`), null, {
        polling: 'raf',
        timeout: 60_000,
      })
    ).jsonValue()) as number;
    const chartCpu = cpuMs() - c0;
    const chartDraw = await page.evaluate(
      () =>
        (window as unknown as { __slipwayDraws?: { id: string; ms: number }[] }).__slipwayDraws?.find((d) => d.id === 'loss')?.ms ?? NaN,
    );

    const c1 = cpuMs();
    await page.goto(`${sd.base}/compare?runs=${sd.compareIds.join(',')}`, { waitUntil: 'commit' });
    const compare = (await (
      await page.waitForFunction(
        untilRaf(
          `document.querySelectorAll('[data-testid^=compare-chart-][data-drawn="1"]').length >= 5 && document.querySelector('[data-testid=diff-table]')`,
        ),
        null,
        {
          polling: 'raf',
          timeout: 60_000,
        },
      )
    ).jsonValue()) as number;
    const compareCpu = cpuMs() - c1;
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    return { runsOnScreen, filter, chartNav, chartDraw, compare, chartCpu, compareCpu };
  } finally {
    await page.close();
  }
}

const chrome = chromiumPath();
if (!chrome) {
  console.log('bench/ui: no Chromium (apt-get install chromium, or set SLIPWAY_CHROMIUM); skipped');
  process.exit(0);
}
const uiDir = buildUiInto();
const a = await side(uiDir, 100, 1_000, 10);
const b = await side(uiDir, 10_000, 100_000, 100);
const profile = mkdtempSync(join(tmpdir(), 'slipway-bench-chromium-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: chrome,
  args: CHROMIUM_ARGS,
  headless: true,
  viewport: { width: 1400, height: 900 },
});
try {
  await measure(ctx, a); // warm-up: the browser's caches, the servers' first queries
  await measure(ctx, b);
  const r = await alternate(
    rounds,
    () => measure(ctx, a),
    () => measure(ctx, b),
  );
  const rows: [keyof Figures, string, number | null][] = [
    ['runsOnScreen', 'runs page, navigation → rows on screen', 1000],
    ['filter', `runs page, filter applied (${b.filtered} of 10,000 match)`, 200],
    ['chartNav', 'run page, navigation → history charted', 300],
    ['chartDraw', 'run page, chart draw only (uPlot)', 300],
    ['compare', 'compare, navigation → 5 metric charts + diff table', 1000],
    ['chartCpu', 'run page, server-process CPU while loading', null],
    ['compareCpu', 'compare, server-process CPU while loading', null],
  ];
  console.log(
    `\nbench/ui (Chromium ${ctx.browser()?.version() ?? ''}, ${rounds} rounds A B alternating; A = anchor, B = issue size; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`,
  );
  for (const [k, label, target] of rows) {
    const xa = r.a.map((f) => f[k]);
    const xb = r.b.map((f) => f[k]);
    console.log(`${label}:`);
    console.log(`  ${sideLine('A', xa, 'ms')}`);
    console.log(
      `  ${sideLine('B', xb, 'ms')}${target === null ? '' : `  target < ${target} ms: ${median(xb) < target ? 'met' : 'NOT met'}`}`,
    );
    console.log(`  B/A ${ratioLine(xa, xb)}`);
  }
  console.log(
    'A: 100 runs, 1,000-point history, compare 10 runs × 5 metrics; B: 10,000 runs, 100,000-point history (LTTB to 2,000 on the server), compare 100 runs × 5 metrics (200 points each, server-side)',
  );
} finally {
  await ctx.close();
  await a.s.close();
  await b.s.close();
  rmSync(profile, { recursive: true, force: true });
  rmSync(uiDir, { recursive: true, force: true });
}
