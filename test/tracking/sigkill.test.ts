import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDb } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import { endRun, getRun, listRuns, metricHistory, startRun } from '../../src/tracking/index.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';
import { TSX_IMPORT } from '../helpers/cli.js';

test('a process SIGKILLed while logging leaves a database that opens cleanly; the run can be listed, ended, and logging run again', async () => {
  const t = tempWorkspace();
  try {
    const child = spawn(process.execPath, ['--import', TSX_IMPORT, join(import.meta.dirname, 'fixtures', 'log-forever.ts'), t.dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const runId = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    // Let it write a few more batches, then kill it mid-stream.
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));

    const raw = new Database(t.ws.dbPath);
    assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
    raw.close();

    const db = await openDb({ sqlitePath: t.ws.dbPath });
    try {
      const running = await listRuns(db, { experiment: 'crash', status: 'RUNNING' });
      assert.deepEqual(
        running.map((r) => r.id),
        [runId],
      );
      // Every committed batch is whole: history is a gap-free prefix of what was logged, and latest matches it.
      const hist = await metricHistory(db, runId, 'loss');
      assert.ok(hist.length >= 500 && hist.length % 500 === 0, `history has ${hist.length} points`);
      assert.deepEqual(
        hist.map((p) => p.step),
        Array.from({ length: hist.length }, (_, i) => i),
      );
      assert.equal((await getRun(db, runId)).metrics.loss, 1 / hist.length);
      await endRun(db, runId, 'KILLED');
      assert.equal((await getRun(db, runId)).status, 'KILLED');
      const again = await startRun({ experiment: 'crash', db, store: openObjectStore(t.ws.objectsDir), workspace: t.dir });
      again.logMetric('loss', 0.5);
      await again.end();
      assert.equal((await listRuns(db, { experiment: 'crash' })).length, 2);
    } finally {
      await db.close();
    }
  } finally {
    t.cleanup();
  }
});
