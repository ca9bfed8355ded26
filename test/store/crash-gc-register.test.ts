import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDb } from '../../src/meta/index.js';
import { acquireGcLock, fsckStore, gcStore, openObjectStore } from '../../src/store/index.js';
import { workspaceRoots } from '../../src/cli/workspace-roots.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';
import { killPoints, runWorker, TRIES } from './crash-helpers.js';

test(`gc with no grace period racing models register, the register SIGKILLed at ${TRIES} random points: nothing acknowledged lost`, async () => {
  const t = tempWorkspace();
  const store = openObjectStore(t.ws.objectsDir);
  const job = { op: 'register', objects: t.ws.objectsDir, db: t.ws.dbPath, scratch: join(t.dir, 'scratch') };
  const acked = new Map<string, string>();
  let gcs = 0;
  try {
    for (const [i, delay] of killPoints(TRIES, 1500, 4).entries()) {
      let stop = false;
      // gc in a loop while the register worker runs, each pass under the gc lock with prune-now.
      const gcLoop = (async () => {
        while (!stop) {
          const release = await acquireGcLock(store, { timeoutMs: 30_000 });
          try {
            const db = await openDb({ sqlitePath: t.ws.dbPath });
            try {
              gcStore(store, await workspaceRoots(db, t.dir), { pruneExpireMs: 0 });
              gcs++;
            } finally {
              await db.close();
            }
          } finally {
            release();
          }
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      const r = await runWorker(job, delay + 200);
      stop = true;
      await gcLoop;
      assert.equal(r.killed, true);
      for (const a of r.acks) {
        const [ref, tree] = a.split(' ');
        acked.set(ref!, tree!);
      }
      const db = await openDb({ sqlitePath: t.ws.dbPath });
      try {
        const report = await fsckStore(store, await workspaceRoots(db, t.dir, { requiredOnly: true }));
        assert.equal(report.ok, true, `try ${i}: ${JSON.stringify(report.problems.slice(0, 3))}`);
        const rows = await db.all<{ version: number; tree_hash: string }>(
          "SELECT version, tree_hash FROM model_versions WHERE name = 'big'",
        );
        const have = new Map(rows.map((x) => [`big@${x.version}`, x.tree_hash]));
        for (const [ref, tree] of acked) assert.equal(have.get(ref), tree, `acknowledged ${ref} survives`);
      } finally {
        await db.close();
      }
    }
    assert.ok(acked.size > 0, 'registrations completed between the kills');
    assert.ok(gcs >= TRIES, `gc ran while registering (${gcs} passes)`);
  } finally {
    t.cleanup();
  }
});
