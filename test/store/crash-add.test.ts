import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDb } from '../../src/meta/index.js';
import { fsckStore, listObjects, openObjectStore } from '../../src/store/index.js';
import { workspaceRoots } from '../../src/cli/workspace-roots.js';
import { listDatasetVersions } from '../../src/data/index.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';
import { killPoints, runWorker, TRIES } from './crash-helpers.js';

function dataFor(i: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let f = 0; f < 300; f++) files[`data/${f % 10}/f${f}.txt`] = `try ${i} file ${f}\n`.repeat(60);
  return files;
}

async function check(t: ReturnType<typeof tempWorkspace>, acks: string[], what: string): Promise<void> {
  const db = await openDb({ sqlitePath: t.ws.dbPath });
  try {
    const report = await fsckStore(openObjectStore(t.ws.objectsDir), await workspaceRoots(db, t.dir, { requiredOnly: true }));
    assert.equal(report.ok, true, `${what}: ${JSON.stringify(report.problems.slice(0, 3))}`);
    const trees = new Set((await listDatasetVersions(db, 'd')).map((v) => v.treeHash));
    for (const a of acks) assert.ok(trees.has(a), `${what}: acknowledged version ${a} survives`);
  } finally {
    await db.close();
  }
}

test(`SIGKILL at ${TRIES} random points of data add: fsck clean, acknowledged versions kept, debris removed by the next writer`, async () => {
  const first = tempWorkspace(dataFor(0));
  let span: number;
  try {
    const r = await runWorker({ op: 'add', objects: first.ws.objectsDir, db: first.ws.dbPath, path: join(first.dir, 'data') });
    span = Math.max(60, Math.round(r.ms * 1.3));
  } finally {
    first.cleanup();
  }
  let killed = 0;
  let debrisSeen = 0;
  for (const [i, delay] of killPoints(TRIES, span, 1).entries()) {
    // A fresh workspace per try keeps every try's fsck the same size.
    const t = tempWorkspace(dataFor(i + 1));
    try {
      const job = { op: 'add', objects: t.ws.objectsDir, db: t.ws.dbPath, path: join(t.dir, 'data') };
      const r = await runWorker(job, delay);
      if (r.killed) killed++;
      await check(t, r.acks, `try ${i} (kill after ${delay} ms)`);
      if (listObjects(openObjectStore(t.ws.objectsDir)).tempFiles.length > 0) {
        debrisSeen++;
        // The next writer removes what the killed one left, and completes the add.
        const again = await runWorker(job);
        assert.equal(again.killed, false);
        assert.deepEqual(listObjects(openObjectStore(t.ws.objectsDir)).tempFiles, [], `try ${i}: temp files removed`);
        await check(t, again.acks, `try ${i} re-run`);
      }
    } finally {
      t.cleanup();
    }
  }
  assert.ok(killed >= TRIES / 4, `most tries were killed mid-way (${killed} of ${TRIES})`);
  process.stdout.write(`# ${killed} of ${TRIES} killed mid-way; ${debrisSeen} left temp files that the next writer removed\n`);
});
