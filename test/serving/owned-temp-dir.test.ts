import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownedTempDir, sweepOwnedTempDirs, startModelServer } from '../../src/serving/index.js';
import { tempDir } from '../helpers/temp-workspace.js';
import { writeTinyOnnx } from './tiny-onnx.js';

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('temp folders of a dead server are swept; a live one keeps its own', () => {
  const t = tempDir();
  try {
    const mine = ownedTempDir('iris-1', t.dir);
    const orphan = join(t.dir, `slipway-serve-p${deadPid()}-iris-2-abc123`);
    mkdirSync(join(orphan, 'sub'), { recursive: true });
    const unrelated = join(t.dir, 'slipway-serve-notours');
    mkdirSync(unrelated);
    assert.equal(sweepOwnedTempDirs(t.dir), 1);
    assert.ok(existsSync(mine));
    assert.ok(!existsSync(orphan));
    assert.ok(existsSync(unrelated));
  } finally {
    t.cleanup();
  }
});

test('a model server sweeps checkouts left by a killed one when it starts, and removes its own when it closes', async () => {
  const t = tempDir();
  const orphan = join(tmpdir(), `slipway-serve-p${deadPid()}-iris-7-zzzzzz`);
  mkdirSync(orphan, { recursive: true });
  try {
    const server = await startModelServer({
      models: [{ name: 'iris', dir: writeTinyOnnx(join(t.dir, 'm')) }],
      restPort: 0,
      grpcPort: null,
    });
    assert.ok(!existsSync(orphan));
    await server.close();
    assert.ok(!readdirSync(tmpdir()).some((n) => n.startsWith(`slipway-serve-p${process.pid}-`)));
  } finally {
    t.cleanup();
  }
});
