import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { tempWorkspace } from '../helpers/temp-workspace.js';
import { TSX_IMPORT, cli } from '../helpers/cli.js';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

test('`slipway server` serves the REST API with JSON logs; `runs list` reads through SLIPWAY_TRACKING_URI; SIGTERM stops it', async () => {
  const t = tempWorkspace();
  const child = spawn(process.execPath, ['--import', TSX_IMPORT, MAIN, 'server', '--port', '0'], {
    cwd: t.dir,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        for (const l of buf.split('\n')) {
          try {
            const m = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec((JSON.parse(l) as { msg?: string }).msg ?? '');
            if (m) resolve(m[1]!);
          } catch {
            // a partial line; wait for more
          }
        }
      });
      child.on('exit', (code) => reject(new Error(`server exited early (${code})`)));
    });
    const created = await fetch(`${url}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ experiment: 'curl', name: 'from-http' }),
    });
    assert.equal(created.status, 201);
    const id = ((await created.json()) as { run: { id: string } }).run.id;
    const bad = await fetch(`${url}/api/runs/${id}/log-batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{oops',
    });
    assert.equal(bad.status, 400);
    const batch = await fetch(`${url}/api/runs/${id}/log-batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ metrics: [{ key: 'acc', value: 0.97, step: 1, timestamp: Date.now() }] }),
    });
    assert.equal(batch.status, 200);
    const r = cli(['runs', 'list', '--json'], { cwd: t.dir, env: { SLIPWAY_TRACKING_URI: url } });
    assert.equal(r.code, 0, r.stderr);
    const runs = JSON.parse(r.stdout) as { id: string; metrics: Record<string, number> }[];
    assert.equal(runs[0]!.id, id);
    assert.equal(runs[0]!.metrics.acc, 0.97);
  } finally {
    const exited = child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.on('exit', (c) => r(c)));
    child.kill('SIGTERM');
    const code = await exited;
    assert.equal(code, 0);
    t.cleanup();
  }
});
