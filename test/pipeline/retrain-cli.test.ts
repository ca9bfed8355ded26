import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { openDb } from '../../src/meta/index.js';
import { createPredictionLog } from '../../src/monitoring/index.js';
import { cli } from '../helpers/cli.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';

test('repro and monitor --check --retrain retrain when a dataset version changed, and say plainly when nothing did', async (t) => {
  const { ws, dir, cleanup } = tempWorkspace({
    'slipway.yaml': stringify({
      stages: {
        train: {
          cmd: `node -e "require('fs').appendFileSync('runs.txt', 'x')"`,
          deps: ['dataset:rows@latest'],
          outs: [{ 'runs.txt': { persist: true } }],
        },
      },
      // An alert that always fires once one request was logged.
      monitoring: { alerts: [{ name: 'busy', metric: 'requests', max: 0 }] },
    }),
  });
  t.after(cleanup);
  const run = (...args: string[]) => cli(args, { cwd: dir });
  writeFileSync(join(dir, 'rows.csv'), 'a\n1\n');
  assert.equal(run('data', 'add', 'rows.csv', '--name', 'rows').code, 0);
  assert.equal(run('repro').code, 0);
  const idle = run('repro');
  assert.equal(idle.code, 0);
  assert.match(idle.stdout, /nothing changed/);

  const db = await openDb({ sqlitePath: ws.dbPath });
  const log = createPredictionLog(db);
  log.record({
    requestId: 'r1',
    model: 'm',
    version: 1,
    at: Date.now(),
    latencyMs: 1,
    status: 200,
    predicted: '1',
    inputs: null,
    outputs: null,
  });
  await log.close();
  await db.close();

  const same = run('monitor', 'm', '--check', '--retrain', '--window', '1h');
  assert.equal(same.code, 1, same.stderr); // the alert fired
  assert.match(same.stderr, /nothing retrained/);

  writeFileSync(join(dir, 'rows.csv'), 'a\n1\n2\n');
  assert.equal(run('data', 'add', 'rows.csv', '--name', 'rows').code, 0);
  const changed = run('monitor', 'm', '--check', '--retrain', '--window', '1h');
  assert.equal(changed.code, 1, changed.stderr);
  assert.match(changed.stderr, /retrained: train/);
});
