import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWhere, parseOrderBy, listRuns, startRun } from '../../src/tracking/index.js';
import { openDb } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';

test('parseWhere reads metric, param, tag and attribute conditions joined by and', () => {
  assert.deepEqual(
    parseWhere('metrics.accuracy >= 0.9 AND params.optimizer = \'adam\' and tags."team name" != "a and b" and status = finished'),
    [
      { scope: 'metrics', key: 'accuracy', op: '>=', value: 0.9 },
      { scope: 'params', key: 'optimizer', op: '=', value: 'adam' },
      { scope: 'tags', key: 'team name', op: '!=', value: 'a and b' },
      { scope: 'attributes', key: 'status', op: '=', value: 'finished' },
    ],
  );
  assert.deepEqual(parseWhere("name like 'lr-%'"), [{ scope: 'attributes', key: 'name', op: 'like', value: 'lr-%' }]);
  assert.deepEqual(parseWhere(''), []);
  for (const bad of [
    'metrics.acc >',
    'metrics.acc > 0.9 and',
    'metrics.acc = high',
    "params.x = 'open",
    'colour = red',
    'metrics.a like 1',
    'a b c',
  ])
    assert.throws(
      () => parseWhere(bad),
      (e) => isSlipwayError(e, 'FILTER_INVALID'),
      bad,
    );
  assert.deepEqual(parseOrderBy('metrics.accuracy DESC'), { scope: 'metrics', key: 'accuracy', desc: true });
  assert.deepEqual(parseOrderBy('start_time'), { scope: 'attributes', key: 'start_time', desc: false });
  assert.throws(
    () => parseOrderBy('metrics.x up'),
    (e) => isSlipwayError(e, 'FILTER_INVALID'),
  );
});

test('params compare numerically against numbers and as text against strings; missing sort keys go last', async () => {
  const t = tempWorkspace();
  const db = await openDb({ sqlitePath: t.ws.dbPath });
  const store = openObjectStore(t.ws.objectsDir);
  try {
    const mk = async (name: string, params: Record<string, string | number>, acc?: number): Promise<string> => {
      const r = await startRun({ experiment: 'q', name, params, db, store, workspace: t.dir });
      if (acc !== undefined) r.logMetric('acc', acc);
      await r.end();
      return r.id;
    };
    const a = await mk('a', { lr: '1e-3', opt: 'adam' }, 0.5);
    const b = await mk('b', { lr: '0.02', opt: 'sgd' }, 0.7);
    const c = await mk('c', { lr: 'auto', opt: 'adam' });
    const names = async (where: string, orderBy?: string): Promise<string[]> =>
      (await listRuns(db, { where, orderBy })).map((r) => r.name ?? '');
    assert.deepEqual(await names('params.lr < 0.01'), ['a']);
    assert.deepEqual(await names('params.lr = 0.001'), ['a']);
    assert.deepEqual(await names("params.lr = 'auto'"), ['c']);
    assert.deepEqual(await names("params.opt = 'adam'", 'name asc'), ['a', 'c']);
    assert.deepEqual(await names("name like 'a%' and params.opt = 'adam'"), ['a']);
    assert.deepEqual(await names('', 'metrics.acc asc'), ['a', 'b', 'c']);
    assert.deepEqual(await names('', 'metrics.acc desc'), ['b', 'a', 'c']);
    assert.deepEqual(await names('', 'params.lr desc'), ['b', 'a', 'c']);
    assert.deepEqual(await names(`id = '${b}'`), ['b']);
    assert.equal((await listRuns(db, { limit: 2 })).length, 2);
    await assert.rejects(listRuns(db, { limit: 0 }), (e) => isSlipwayError(e, 'FILTER_INVALID'));
    void a;
    void c;
  } finally {
    await db.close();
    t.cleanup();
  }
});
