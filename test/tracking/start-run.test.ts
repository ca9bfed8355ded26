import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startRun, getRun, listRuns } from '../../src/tracking/index.js';
import { buildServer } from '../../src/server/app.js';
import { openDb } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { tempDir, tempWorkspace } from '../helpers/temp-workspace.js';

test('startRun opens the workspace found from `workspace` (a subfolder works) and closes it at end', async () => {
  const t = tempWorkspace({ 'src/train.ts': '' });
  try {
    const run = await startRun({ experiment: 'local', workspace: join(t.dir, 'src'), params: { lr: 0.1 } });
    run.logMetric('loss', 0.5);
    await run.end();
    const db = await openDb({ sqlitePath: t.ws.dbPath });
    const rec = await getRun(db, run.id);
    assert.equal(rec.metrics.loss, 0.5);
    assert.equal(rec.status, 'FINISHED');
    await db.close();
  } finally {
    t.cleanup();
  }
});

test('startRun outside any workspace fails with WORKSPACE_NOT_FOUND', async () => {
  const t = tempDir();
  try {
    await assert.rejects(startRun({ experiment: 'x', workspace: t.dir }), (e) => isSlipwayError(e, 'WORKSPACE_NOT_FOUND'));
  } finally {
    t.cleanup();
  }
});

test('startRun with a trackingUri logs to the server; an unreachable server is UNAVAILABLE', async () => {
  const t = tempWorkspace();
  const db = await openDb({ sqlitePath: t.ws.dbPath });
  const app = await buildServer({ workspace: t.ws, db, store: openObjectStore(t.ws.objectsDir) });
  try {
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const run = await startRun({ experiment: 'remote', trackingUri: url, workspace: t.dir, flushIntervalMs: 10 });
    for (let i = 0; i < 10; i++) run.logMetric('acc', i / 10);
    // The timer flushes without an explicit flush.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await getRun(db, run.id)).metrics.acc, 0.9);
    await run.end('FAILED');
    assert.equal((await listRuns(db, { experiment: 'remote' }))[0]!.status, 'FAILED');
    await app.close();
    await assert.rejects(startRun({ experiment: 'remote', trackingUri: url, workspace: t.dir }), (e) => isSlipwayError(e, 'UNAVAILABLE'));
  } finally {
    await app.close();
    await db.close();
    t.cleanup();
  }
});
