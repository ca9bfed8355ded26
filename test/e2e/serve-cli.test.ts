import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { cli, TSX_IMPORT } from '../helpers/cli.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';
import { writeTinyOnnx } from '../serving/tiny-onnx.js';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

test('slipway serve PATH prints its endpoints, answers predictions, and stops cleanly on SIGTERM; slipway monitor reads the log', async () => {
  const { dir, cleanup } = tempWorkspace();
  let spawned: ChildProcessWithoutNullStreams | undefined;
  try {
    writeTinyOnnx(join(dir, 'iris'));
    const child = spawn(process.execPath, ['--import', TSX_IMPORT, MAIN, 'serve', 'iris', '--rest-port', '0', '--grpc-port', '0'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    spawned = child;
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /http:\/\/127\.0\.0\.1:(\d+)\/v1\/models\/iris:predict/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    assert.match(out, /gRPC\s+127\.0\.0\.1:\d+/);
    const res = await fetch(`http://127.0.0.1:${port}/v1/models/iris:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [[5, 0, 0, 0]] }),
    });
    assert.equal(res.status, 200);
    const id = res.headers.get('x-request-id')!;
    const fb = await fetch(`http://127.0.0.1:${port}/v1/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request_id: id, label: 'setosa' }),
    });
    assert.equal(fb.status, 200);
    const remote = cli(['monitor', 'iris', '--url', `http://127.0.0.1:${port}`, '--json'], { cwd: dir });
    assert.equal(remote.code, 0, remote.stderr);
    assert.equal(JSON.parse(remote.stdout).quality.accuracy, 1);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    assert.equal(code, 0, err);
    const local = cli(['monitor', 'iris', '--window', '1h'], { cwd: dir });
    assert.equal(local.code, 0, local.stderr);
    assert.match(local.stdout, /accuracy 1\.0000/);
    assert.match(local.stdout, /confusion matrix/);
    const bad = cli(['monitor', 'iris', '--window', 'soon'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /error\[USAGE\]/);
  } finally {
    if (spawned && spawned.exitCode === null) spawned.kill('SIGKILL');
    cleanup();
  }
});

/**
 * `slipway serve ./iris` through the CLI with the serving V8 flags on (the CLI re-runs itself in a child), once it
 * printed its endpoints; `detached` puts it in its own process group, as a shell's foreground job.
 */
async function startServeCli(
  dir: string,
  detached = false,
): Promise<{ child: ChildProcessWithoutNullStreams; port: number; out: () => string; err: () => string; exited: Promise<number | null> }> {
  writeTinyOnnx(join(dir, 'iris'));
  const child = spawn(process.execPath, ['--import', TSX_IMPORT, MAIN, 'serve', './iris', '--rest-port', '0', '--no-grpc'], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', SLIPWAY_SERVE_NODE_FLAGS: '' },
    detached,
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/127\.0\.0\.1:(\d+)\/v1\/models\/iris:predict/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    void exited.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return { child, port, out: () => out, err: () => err, exited };
}

test('slipway serve runs the server in a child node with the serving V8 flags; the child stops when its parent is SIGKILLed', async () => {
  const { dir, cleanup } = tempWorkspace();
  let spawned: ChildProcessWithoutNullStreams | undefined;
  try {
    const { child, port } = await startServeCli(dir);
    spawned = child;
    // The server process is a child of the one we started, running with --single-threaded-gc.
    const ps = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(child.pid)], { encoding: 'utf8' });
    const server = ps.stdout.split('\n').find((l) => l.includes('--single-threaded-gc') && l.includes('serve'));
    assert.ok(server, `no server child with the V8 flags under pid ${child.pid}: ${ps.stdout}`);
    const serverPid = Number(server.trim().split(/\s+/)[0]);
    // Same session as its parent: on Linux a new session is a new scheduler autogroup (see serveInChild).
    const sid = (pid: number): string => spawnSync('ps', ['-o', 'sid=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
    assert.equal(sid(serverPid), sid(child.pid!));
    const ok = await fetch(`http://127.0.0.1:${port}/v2/health/ready`);
    assert.equal(ok.status, 200);
    child.kill('SIGKILL');
    // SIGKILL runs nothing in the parent; the closed IPC channel tells the server, which drains and exits.
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      await new Promise((r) => setTimeout(r, 100));
      try {
        process.kill(serverPid, 0);
      } catch {
        alive = false;
      }
    }
    assert.equal(alive, false, 'the server outlived its parent');
    await assert.rejects(fetch(`http://127.0.0.1:${port}/v2/health/ready`));
  } finally {
    if (spawned && spawned.exitCode === null) spawned.kill('SIGKILL');
    cleanup();
  }
});

test('slipway serve: a Ctrl-C that reaches both the CLI and its server child (terminal + forwarded) drains once and exits 0', async () => {
  const { dir, cleanup } = tempWorkspace();
  let spawned: ChildProcessWithoutNullStreams | undefined;
  try {
    // Its own process group: a signal to the group reaches the CLI and the server, as a terminal's Ctrl-C does.
    const { child, out, err, exited } = await startServeCli(dir, true);
    spawned = child;
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    assert.equal(code, 0, `exit ${code}; stderr: ${err()}; stdout: ${out()}`);
    assert.equal(err().match(/stopping: draining/g)?.length, 1, err());
  } finally {
    if (spawned && spawned.exitCode === null) process.kill(-spawned.pid!, 'SIGKILL');
    cleanup();
  }
});
