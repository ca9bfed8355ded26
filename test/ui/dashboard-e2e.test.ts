/**
 * The dashboard in real headless Chromium (Debian's package, driven by playwright-core; no browser download):
 * every page loads with no console error, page error or failed request, the main clicks work, and a screenshot of
 * each page is written to a temp folder (its path is printed).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildServer } from '../../src/server/app.js';
import { openDb } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';
import { seedWorkspace, type Seeded } from './seed-workspace.js';
import { buildUiInto, chromiumPath, CHROMIUM_ARGS } from './ui-build.js';

const CHROME = chromiumPath();
const skip = CHROME ? false : 'no Chromium at /usr/bin/chromium (apt-get install chromium, or set SLIPWAY_CHROMIUM)';
if (skip) console.log(`# skipping dashboard browser tests: ${skip}`);

let s: Seeded;
let base = '';
let uiDir = '';
let profile = '';
let ctx: BrowserContext;
const shots = mkdtempSync(join(tmpdir(), 'slipway-ui-screens-'));

before(async () => {
  if (skip) return;
  uiDir = buildUiInto();
  s = await seedWorkspace({ uiDir, runs: 12, historyPoints: 5000 });
  base = (await s.app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
  profile = mkdtempSync(join(tmpdir(), 'slipway-chromium-profile-'));
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROME!,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1400, height: 900 },
  });
  console.log(`# dashboard screenshots: ${shots}`);
});

after(async () => {
  if (skip) return;
  await ctx?.close();
  await s?.close();
  rmSync(profile, { recursive: true, force: true });
  rmSync(uiDir, { recursive: true, force: true });
});

/** Opens a page that records every console error, page error, failed request and HTTP error answer. */
async function watched(): Promise<{ page: Page; problems: string[] }> {
  const page = await ctx.newPage();
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    // EventSource streams are cancelled when a page closes or navigates; that is not a failure.
    if (!r.url().includes('/stream')) problems.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => r.status() >= 400 && problems.push(`http ${r.status()}: ${r.url()}`));
  return { page, problems };
}

const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

test('runs page: 13 runs in a virtualised table, filter, sort, select and compare', { skip }, async () => {
  const { page, problems } = await watched();
  await page.goto(`${base}/`);
  await page.getByTestId('runs-table').waitFor();
  assert.equal(await page.getByTestId('runs-count').textContent(), '13 runs');
  assert.ok((await page.getByTestId('run-row').count()) >= 13);
  await shot(page, 'runs');

  await page.getByTestId('runs-filter').fill("params.lr = 0.1 and status = 'FINISHED'");
  await page.getByTestId('runs-filter').press('Enter');
  await page.waitForFunction(() => document.querySelector('[data-testid=runs-count]')?.textContent === '4 runs');
  assert.match(page.url(), /where=/);

  await page.getByTestId('sort-metrics.accuracy').click();
  await page.waitForURL(/order_by=metrics.accuracy\+asc/);
  // The URL changes before the sorted page arrives: wait for its rows (the table is empty while they load).
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=run-link]').length > 0);
  const names = await page.getByTestId('run-link').allTextContents();
  assert.equal(names.length, 4);

  await page.getByTestId('runs-filter').fill('');
  await page.getByTestId('runs-filter-apply').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=runs-count]')?.textContent === '13 runs');
  await page.getByTestId('runs-experiment').selectOption('mnist');
  await page.waitForFunction(() => document.querySelector('[data-testid=runs-count]')?.textContent === '1 run');
  await page.getByTestId('runs-experiment').selectOption('');
  await page.waitForFunction(() => document.querySelector('[data-testid=runs-count]')?.textContent === '13 runs');
  const boxes = page.getByTestId('run-select');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await boxes.nth(2).check();
  await page.getByTestId('compare-selected').click();
  await page.getByTestId('compare-page').waitFor();
  await page.getByTestId('diff-table').waitFor();
  await page.locator('[data-testid^=compare-chart-][data-drawn="1"]').first().waitFor();
  await page.getByTestId('parallel-coordinates').waitFor();
  assert.ok((await page.getByTestId('diff-row-differs').count()) > 0);
  await shot(page, 'compare');
  assert.deepEqual(problems, []);
  await page.close();
});

test('run page: params, code and data, metric chart with smoothing and log scale, artifact previews', { skip }, async () => {
  const { page, problems } = await watched();
  await page.goto(`${base}/runs/${s.mainRun}`);
  await page.getByTestId('run-params').getByText('epochs').waitFor();
  await page.getByTestId('run-tags').getByText('vision').waitFor();
  // 102 metric keys: the first 24 are charted, a filter finds the rest.
  await page.getByTestId('metric-count').getByText('first 24 of 102 metrics').waitFor();
  await page.locator('[data-testid^=metric-chart-]').nth(23).waitFor(); // the charts mount a frame after the count
  assert.equal(await page.locator('[data-testid^=metric-chart-]').count(), 24);
  await page.getByTestId('metric-filter').fill('layer_01');
  await page.getByTestId('metric-count').getByText('10 of 102 metrics').waitFor();
  await page.getByTestId('metric-filter').fill('loss');
  await page.locator('[data-testid=metric-chart-loss][data-drawn="1"]').waitFor();
  await page.getByText('2,000 of 5,000 points (LTTB)').waitFor();
  await page.getByTestId('chart-log').check();
  await page.locator('[data-testid=metric-chart-loss][data-drawn="1"]').waitFor();
  await page.getByTestId('chart-smoothing').fill('0.9');
  await page.getByTestId('chart-x').selectOption('time');
  await page.locator('[data-testid=metric-chart-loss][data-drawn="1"]').waitFor();

  await page.getByTestId('artifact-item').filter({ hasText: 'report.csv' }).click();
  await page.getByTestId('artifact-preview').getByText('versicolor').waitFor();
  await page.getByTestId('artifact-item').filter({ hasText: 'metrics.json' }).click();
  await page.getByTestId('artifact-preview').getByText('"accuracy": 0.981').waitFor();
  await page.getByTestId('artifact-item').filter({ hasText: 'plots/confusion.svg' }).click();
  await page.waitForFunction(
    () => (document.querySelector('img[data-testid=artifact-preview]') as HTMLImageElement | null)?.naturalWidth === 40,
  );
  await page.getByTestId('artifact-item').filter({ hasText: 'sample.png' }).click();
  await page.waitForFunction(
    () => (document.querySelector('img[data-testid=artifact-preview]') as HTMLImageElement | null)?.naturalWidth === 1,
  );
  await page.getByTestId('artifact-item').filter({ hasText: 'notes.txt' }).click();
  await page.getByTestId('artifact-preview').getByText('trained on iris@1').waitFor();
  await shot(page, 'run');
  assert.deepEqual(problems, []);
  await page.close();
});

test('models page: versions, aliases, lineage, promote through the gates, roll back, history', { skip }, async () => {
  const { page, problems } = await watched();
  await page.goto(`${base}/models`);
  await page.getByTestId('model-link').filter({ hasText: 'iris' }).click();
  await page.getByTestId('versions-table').waitFor();
  assert.equal(await page.getByTestId('version-row').count(), 2);
  await page.getByTestId('alias-badge').filter({ hasText: 'production → v1' }).waitFor();
  await page.getByTestId('lineage-graph').waitFor();
  await page.getByTestId('node-model:iris@2').waitFor();

  await page.getByTestId('alias-input').fill('staging');
  await page.getByTestId('promote-button').click();
  await page.getByTestId('action-result').getByText('staging: v— → v2').waitFor({ timeout: 60_000 });
  await page.getByTestId('gate-table').waitFor();
  await page.getByTestId('gate-verdict').getByText('passed').waitFor();

  await page.getByTestId('version-row').filter({ hasText: 'v1' }).click();
  await page.getByTestId('promote-button').filter({ hasText: 'v1' }).click();
  await page.getByTestId('action-result').getByText('staging: v2 → v1').waitFor({ timeout: 60_000 });
  await page.getByTestId('rollback-button').click();
  await page.getByTestId('action-result').getByText('staging: v1 → v2').waitFor();
  await page.getByTestId('alias-history').getByText('rollback v1 → v2').waitFor();
  assert.ok((await page.getByTestId('history-row').count()) >= 4);
  await shot(page, 'model');
  assert.deepEqual(problems, []);
  await page.close();
});

test('datasets page: versions, profile histograms, diff', { skip }, async () => {
  const { page, problems } = await watched();
  await page.goto(`${base}/datasets`);
  await page.getByTestId('dataset-link').filter({ hasText: 'iris' }).click();
  await page.getByTestId('dataset-versions').waitFor();
  assert.equal(await page.getByTestId('dataset-version-row').count(), 2);
  await page.getByTestId('histogram').first().waitFor();
  await page.getByTestId('dataset-diff').getByText('iris.csv').waitFor();
  await page.getByTestId('dataset-version-row').filter({ hasText: 'v1' }).click();
  await page.getByTestId('dataset-profile').getByText('iris@1').waitFor();
  await shot(page, 'dataset');
  assert.deepEqual(problems, []);
  await page.close();
});

test('pipelines page: the DAG with each stage stale and why', { skip }, async () => {
  const { page, problems } = await watched();
  await page.goto(`${base}/pipelines`);
  await page.getByTestId('pipeline-dag').waitFor();
  await page.getByTestId('node-train').waitFor();
  assert.equal(await page.getByTestId('stage-row').count(), 2);
  await page.getByTestId('stage-row').filter({ hasText: 'train' }).click();
  await page.getByTestId('stage-detail').getByRole('heading', { name: 'train' }).waitFor();
  await page.getByTestId('stages-table').getByText('stale').first().waitFor();
  await shot(page, 'pipelines');
  assert.deepEqual(problems, []);
  await page.close();
});

test('monitoring page: per-version live figures updated by server-sent events, drift, alerts', { skip }, async () => {
  const { page, problems } = await watched();
  await page.goto(`${base}/monitoring`);
  await page.getByTestId('monitor-link').filter({ hasText: 'iris' }).click();
  await page.locator('[data-testid=monitor-chart-accuracy][data-drawn="1"]').waitFor();
  await page.getByText('v1 (production)').first().waitFor();
  // Two pushed snapshots prove the page updates without a reload.
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=live-status]')?.getAttribute('data-updates')) >= 2, null, {
    timeout: 20_000,
  });
  await page.getByTestId('drift').waitFor();
  await shot(page, 'monitoring');
  await page.close();
  assert.deepEqual(problems, []);
});

test('API errors, empty workspaces and a server that goes away are shown, never a blank page', { skip }, async () => {
  const { page, problems } = await watched();
  await page.goto(`${base}/runs/NO_SUCH_RUN`);
  await page.locator('[data-testid=error][data-code=RUN_NOT_FOUND]').waitFor();
  await shot(page, 'error-run-not-found');
  assert.ok(problems.some((p) => p.includes('http 404')));
  await page.goto(`${base}/nowhere`);
  await page.getByTestId('not-found').waitFor();

  // A second server over an empty workspace: every list shows its empty state.
  const t = tempWorkspace();
  const db = await openDb({ sqlitePath: t.ws.dbPath });
  const app = await buildServer({ workspace: t.ws, db, store: openObjectStore(t.ws.objectsDir), uiDir });
  const emptyBase = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
  try {
    const w = await watched();
    for (const [path, name] of [
      ['/runs', 'runs'],
      ['/models', 'models'],
      ['/datasets', 'datasets'],
      ['/pipelines', 'pipelines'],
      ['/monitoring', 'monitoring'],
      ['/compare', 'compare'],
    ] as const) {
      await w.page.goto(`${emptyBase}${path}`);
      await w.page.getByTestId('empty').waitFor();
      await shot(w.page, `empty-${name}`);
    }
    assert.deepEqual(w.problems, []);
    // The server goes away: the next navigation says so.
    await app.close();
    await w.page.getByTestId('nav-models').click();
    await w.page.locator('[data-testid=error][data-code=UNREACHABLE]').waitFor();
    await shot(w.page, 'server-gone');
    await w.page.close();
  } finally {
    await app.close();
    await db.close();
    t.cleanup();
  }
  await page.close();
});
