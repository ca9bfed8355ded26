import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDb, type Db } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import { startRun } from '../../src/tracking/index.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';
import { cli } from '../helpers/cli.js';

let dir: string;
let cleanup: () => void;
let db: Db;
const ids: string[] = [];

before(async () => {
  const t = tempWorkspace();
  dir = t.dir;
  cleanup = t.cleanup;
  db = await openDb({ sqlitePath: t.ws.dbPath });
  const store = openObjectStore(t.ws.objectsDir);
  for (const [lr, acc] of [
    [0.1, 0.8],
    [0.01, 0.95],
    [0.001, 0.91],
  ] as const) {
    const run = await startRun({ experiment: 'sweep', name: `lr-${lr}`, params: { lr, epochs: 2 }, db, store, workspace: dir });
    run.logMetric('accuracy', acc - 0.1);
    run.logMetric('accuracy', acc);
    await run.end();
    ids.push(run.id);
  }
  await db.close();
});
after(() => cleanup());

test('runs list filters and sorts; --json is machine-readable', () => {
  const r = cli(['runs', 'list', '--where', 'metrics.accuracy > 0.9', '--sort', 'metrics.accuracy desc', '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const runs = JSON.parse(r.stdout) as { id: string }[];
  assert.deepEqual(
    runs.map((x) => x.id),
    [ids[1], ids[2]],
  );
  const text = cli(['runs', 'list', '--experiment', 'sweep', '--limit', '2'], { cwd: dir });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /ID\s+EXPERIMENT\s+NAME\s+STATUS/);
  assert.equal(text.stdout.trim().split('\n').length, 3);
});

test('runs show, compare (deltas vs the first) and export csv', () => {
  const show = cli(['runs', 'show', ids[0]!], { cwd: dir });
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /lr\s+0\.1/);
  const cmp = cli(['runs', 'compare', ids[0]!, ids[1]!, '--json'], { cwd: dir });
  assert.equal(cmp.code, 0, cmp.stderr);
  const c = JSON.parse(cmp.stdout) as { params: Record<string, string[]>; metrics: Record<string, { deltas: number[] }> };
  assert.deepEqual(c.params.lr, ['0.1', '0.01']);
  assert.ok(Math.abs(c.metrics.accuracy!.deltas[1]! - 0.15) < 1e-9);
  const out = join(dir, 'run.csv');
  const exp = cli(['runs', 'export', ids[1]!, '--format', 'csv', '-o', out], { cwd: dir });
  assert.equal(exp.code, 0, exp.stderr);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'run_id,key,step,timestamp,value');
  assert.equal(lines.length, 3);
  assert.match(lines[2]!, new RegExp(`^${ids[1]},accuracy,1,\\d+,0.95$`));
});

test('unknown run and bad filter: a code, no stack, exit 2', () => {
  const r = cli(['runs', 'show', '01NOSUCHRUN'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /error\[RUN_NOT_FOUND\]/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  const f = cli(['runs', 'list', '--where', 'metrics.accuracy >'], { cwd: dir });
  assert.equal(f.code, 2);
  assert.match(f.stderr, /error\[FILTER_INVALID\]/);
});
