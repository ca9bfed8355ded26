import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempWorkspace, FIXTURES } from '../helpers/temp-workspace.js';
import { cli } from '../helpers/cli.js';
import { iris, trainSoftmax, writeDenseModel } from './fixtures.js';

let ws: ReturnType<typeof tempWorkspace>;

before(() => {
  ws = tempWorkspace();
  const d = iris();
  writeDenseModel(join(ws.dir, 'good'), trainSoftmax(d, 4, 3, 300), { features: 4, classes: 3, labels: d.classNames });
  writeDenseModel(join(ws.dir, 'weak'), trainSoftmax(d, 4, 3, 3), { features: 4, classes: 3, labels: d.classNames });
  writeFileSync(
    join(ws.dir, 'slipway.yaml'),
    `stages: {}
gates:
  iris:
    dataset: ${join(FIXTURES, 'tabular', 'iris.csv')}
    rules:
      - metric: accuracy
        min: 0.9
      - no_regression: { against: production, metric: accuracy, max_drop: 0.01 }
`,
  );
});

after(() => ws.cleanup());

test('models register / promote (gates pass, fail, forced) / show / history / gates run / lineage through the CLI', () => {
  // Each CLI call is a process start; the SDK tests cover the rest, so this stays to the commands' own behaviour.
  const run = (...args: string[]): { code: number; stdout: string; stderr: string } => cli(args, { cwd: ws.dir });
  let r = run('models', 'register', 'iris', '--from', 'good');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Registered iris@1/);
  assert.equal(run('models', 'register', 'iris', '--from', 'weak').code, 0);
  r = run('models', 'promote', 'iris@1', '--to', 'production');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /PASSED/);
  r = run('models', 'promote', 'iris@2', '--to', 'production');
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /FAILED/);
  assert.match(r.stdout, /accuracy >= 0\.9/);
  assert.match(r.stderr, /GATES_NOT_PASSED/);
  r = run('models', 'promote', 'iris@2', '--to', 'production', '--force');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /FORCE_NEEDS_REASON/);
  r = run('models', 'promote', 'iris@2', '--to', 'production', '--force', '--reason', 'demo');
  assert.equal(r.code, 0, r.stderr);
  r = run('models', 'history', 'iris', '--json');
  const h = JSON.parse(r.stdout) as { from: number | null; to: number; forced: boolean; kind: string }[];
  assert.deepEqual(
    h.map((m) => [m.from, m.to, m.forced]),
    [
      [null, 1, false],
      [1, 2, true],
    ],
  );
  r = run('gates', 'run', 'iris@2', '--json');
  assert.equal(r.code, 1);
  assert.equal((JSON.parse(r.stdout) as { passed: boolean }).passed, false);
  r = run('lineage', 'iris@2', '--dot');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /digraph lineage/);
  assert.match(r.stdout, /"model:iris@2" -> "alias:iris:production"/);
});
