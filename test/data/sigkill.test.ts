import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import { cli, TSX_IMPORT } from '../helpers/cli.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

function countObjects(root: string): number {
  if (!existsSync(root)) return 0;
  let n = 0;
  for (const d of readdirSync(root)) if (d.length === 2) n += readdirSync(join(root, d)).length;
  return n;
}

test('SIGKILL in the middle of `data add` leaves a store and database that fsck passes; re-running completes', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 1000; i++) files[`big/${Math.floor(i / 100)}/f${i}.txt`] = `file ${i}\n`.repeat(50);
  const t = tempWorkspace(files);
  try {
    const child = spawn(process.execPath, ['--import', TSX_IMPORT, MAIN, 'data', 'add', 'big', '--name', 'big'], {
      cwd: t.dir,
      env: { ...process.env, SLIPWAY_NO_PROGRESS: '1' },
      stdio: 'ignore',
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    let done = false;
    void exited.then(() => (done = true));
    // Kill once some objects (but not all) have landed in the store.
    while (!done && countObjects(t.ws.objectsDir) < 50) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    const how = await exited;
    assert.equal(how.signal, 'SIGKILL', 'the add was still running when killed');
    const stored = countObjects(t.ws.objectsDir);
    assert.ok(stored < 1001, `killed mid-way (${stored} objects stored)`);

    const fsck = cli(['fsck'], { cwd: t.dir });
    assert.equal(fsck.code, 0, fsck.stdout + fsck.stderr);
    const again = cli(['data', 'add', 'big', '--name', 'big'], { cwd: t.dir });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), 'big@1');
    const after = cli(['fsck', '--json'], { cwd: t.dir });
    assert.equal(after.code, 0);
    const report = JSON.parse(after.stdout) as { ok: boolean; checked: number };
    assert.equal(report.ok, true);
    assert.equal(report.checked, 1001, 'every file object plus the tree');
  } finally {
    t.cleanup();
  }
});
