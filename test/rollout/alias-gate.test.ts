import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { openDb } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import { registerModel } from '../../src/registry/index.js';
import { cli } from '../helpers/cli.js';
import { FIXTURES, tempWorkspace } from '../helpers/temp-workspace.js';
import { iris, trainSoftmax, writeDenseModel } from '../registry/fixtures.js';

test('models alias: an alias a server follows moves only through the gates (or --force --reason); others move freely', async (t) => {
  const { ws, dir, cleanup } = tempWorkspace({
    'slipway.yaml': stringify({
      gates: { iris: { dataset: 'iris.csv', rules: [{ metric: 'accuracy', min: 0.8 }] } },
      deployments: { web: { model: 'iris', stable: 'live' } },
    }),
  });
  t.after(cleanup);
  copyFileSync(join(FIXTURES, 'tabular', 'iris.csv'), join(dir, 'iris.csv'));
  const db = await openDb({ sqlitePath: ws.dbPath });
  const store = openObjectStore(ws.objectsDir);
  const data = iris();
  const labels = data.classNames;
  const good = writeDenseModel(join(dir, 'm', 'good'), trainSoftmax(data, 4, 3, 300), { features: 4, classes: 3, labels });
  const bad = writeDenseModel(join(dir, 'm', 'bad'), trainSoftmax(data, 4, 3, 0), { features: 4, classes: 3, labels });
  const wide = writeDenseModel(
    join(dir, 'm', 'wide'),
    trainSoftmax({ x: new Float32Array(data.rows * 5), y: data.y, rows: data.rows }, 5, 3, 1),
    {
      features: 5,
      classes: 3,
      labels,
    },
  );
  for (const p of [good, bad, wide]) await registerModel(db, store, { name: 'iris', from: { path: p } });
  await db.close();
  const run = (...args: string[]) => cli(args, { cwd: dir });

  assert.equal(run('models', 'alias', 'iris@1', 'production').code, 0); // gates pass
  const refused = run('models', 'alias', 'iris@2', 'production');
  assert.equal(refused.code, 1, refused.stderr); // GATES_NOT_PASSED is a verdict
  assert.match(refused.stderr, /GATES_NOT_PASSED/);
  assert.equal(run('models', 'alias', 'iris@2', 'live').code, 1); // a deployment's stable alias is followed too
  assert.equal(run('models', 'alias', 'iris@2', 'production', '--force').code, 2); // FORCE_NEEDS_REASON
  const sig = run('models', 'alias', 'iris@3', 'production', '--force', '--reason', 'try');
  assert.equal(sig.code, 2, sig.stderr);
  assert.match(sig.stderr, /SIGNATURE_MISMATCH/);
  const forced = run('models', 'alias', 'iris@2', 'production', '--force', '--reason', 'incident 42');
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(run('models', 'alias', 'iris@2', 'staging').code, 0); // nobody follows staging: no gates
  const h = JSON.parse(run('models', 'history', 'iris', '--json').stdout) as {
    alias: string;
    to: number;
    forced: boolean;
    reason: string | null;
  }[];
  const move = h.find((m) => m.alias === 'production' && m.to === 2)!;
  assert.equal(move.forced, true);
  assert.equal(move.reason, 'incident 42');

  // Lineage names the deployment that serves a version through its stable alias; dot ids carry their kind.
  assert.equal(run('models', 'alias', 'iris@1', 'live').code, 0);
  const g = JSON.parse(run('lineage', 'iris@1', '--json').stdout) as { deployments: { name: string; role: string; weight: number }[] };
  assert.deepEqual(g.deployments, [{ name: 'web', role: 'stable', weight: 100 }]);
  const dot = run('lineage', 'iris@1', '--dot').stdout;
  assert.match(dot, /"model:iris@1"/);
  assert.match(dot, /"deployment:web"/);
});
