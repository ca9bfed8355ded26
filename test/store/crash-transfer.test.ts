import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { addPathToStore, closureOf, fsckStore, listObjects, openObjectStore } from '../../src/store/index.js';
import { tempDir } from '../helpers/temp-workspace.js';
import { killPoints, runWorker, TRIES } from './crash-helpers.js';

function files(): Record<string, string> {
  const out: Record<string, string> = {};
  for (let f = 0; f < 300; f++) out[`src/${f % 10}/f${f}.bin`] = `object ${f}\n`.repeat(200);
  return out;
}

/** Every complete object under a store root hashes to its name (temp files aside): nothing half-written is visible. */
async function assertNoCorruptObjects(root: string, what: string): Promise<void> {
  const report = await fsckStore(openObjectStore(root), new Map());
  assert.equal(report.ok, true, `${what}: ${JSON.stringify(report.problems.slice(0, 3))}`);
}

test(`SIGKILL at ${TRIES} random points of push and of pull: no corrupt object on either side; a re-run completes`, async () => {
  const t = tempDir(files());
  try {
    const local = openObjectStore(join(t.dir, 'a'));
    const { hash } = await addPathToStore(local, join(t.dir, 'src'));
    const all = closureOf(local, [hash]);
    const remote = join(t.dir, 'remote');
    const push = { op: 'push', objects: local.root, remote, roots: [hash] };
    const first = await runWorker(push);
    const span = Math.max(60, Math.round(first.ms * 1.3));
    let killed = 0;
    for (const [i, delay] of killPoints(TRIES, span, 2).entries()) {
      rmSync(remote, { recursive: true, force: true });
      const r = await runWorker(push, delay);
      if (r.killed) killed++;
      await assertNoCorruptObjects(remote, `push try ${i}`);
    }
    const done = await runWorker(push);
    assert.deepEqual(done.acks, ['push']);
    assert.deepEqual(listObjects(openObjectStore(remote)).objects.sort(), [...all].sort());
    await assertNoCorruptObjects(remote, 'remote after the last push');

    const b = join(t.dir, 'b');
    const pull = { op: 'pull', objects: b, remote, roots: [hash] };
    for (const [i, delay] of killPoints(TRIES, span, 3).entries()) {
      rmSync(b, { recursive: true, force: true });
      const r = await runWorker(pull, delay);
      if (r.killed) killed++;
      await assertNoCorruptObjects(b, `pull try ${i}`);
    }
    const pulled = await runWorker(pull);
    assert.deepEqual(pulled.acks, ['pull']);
    const report = await fsckStore(openObjectStore(b), new Map([[hash, ['dataset']]]));
    assert.equal(report.ok, true);
    assert.equal(report.checked, all.length);
    assert.ok(killed >= TRIES / 2, `most tries were killed mid-way (${killed} of ${2 * TRIES})`);
  } finally {
    t.cleanup();
  }
});
