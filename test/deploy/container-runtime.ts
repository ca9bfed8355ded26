import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** An OCI runtime (crun or runc) running one container from an unpacked bundle. */
export interface RunningContainer {
  readonly id: string;
  /** Host pid of the container's first process. */
  pid(): number;
  /** What the runtime printed (the server's stdout and stderr). */
  output(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

/**
 * Prepares a bundle umoci unpacked for a test run: no terminal, the host network (so the test reaches the ports it
 * picks), those ports on the command line, and no cgroup section (limits are the orchestrator's business, and the
 * sandbox's hybrid cgroup hierarchy cannot host them). User, env, cwd, rootfs and entrypoint stay as the image says.
 */
export function prepareBundle(bundle: string, restPort: number, grpcPort: number): { user: { uid: number; gid: number }; args: string[] } {
  const file = join(bundle, 'config.json');
  const c = JSON.parse(readFileSync(file, 'utf8')) as {
    process: { terminal?: boolean; args: string[]; user: { uid: number; gid: number } };
    linux: { namespaces: { type: string }[]; resources?: unknown; cgroupsPath?: string };
  };
  c.process.terminal = false;
  c.process.args = [...c.process.args, '--rest-port', String(restPort), '--grpc-port', String(grpcPort)];
  c.linux.namespaces = c.linux.namespaces.filter((n) => n.type !== 'network');
  delete c.linux.resources;
  delete c.linux.cgroupsPath;
  writeFileSync(file, JSON.stringify(c, null, 2));
  return { user: c.process.user, args: c.process.args };
}

/** Starts `runtime run` on the bundle in the foreground of a child process. */
export function runContainer(runtime: 'crun' | 'runc', bundle: string, id: string): RunningContainer {
  const extra = runtime === 'crun' ? ['--cgroup-manager=disabled'] : [];
  const proc: ChildProcess = spawn(runtime, [...extra, 'run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return {
    id,
    output: () => out,
    exited: () => proc.exitCode !== null || proc.signalCode !== null,
    pid: () => (JSON.parse(spawnSync(runtime, ['state', id], { encoding: 'utf8' }).stdout) as { pid: number }).pid,
    stop: async () => {
      spawnSync(runtime, ['kill', id, 'TERM'], { stdio: 'ignore' });
      for (let i = 0; i < 100 && proc.exitCode === null && proc.signalCode === null; i++) await sleep(100);
      spawnSync(runtime, ['kill', id, 'KILL'], { stdio: 'ignore' });
      spawnSync(runtime, ['delete', '--force', id], { stdio: 'ignore' });
    },
  };
}

/** Polls `url` until it answers 200 or the container exits; returns false when it never did. */
export async function waitReady(url: string, c: RunningContainer, maxMs = 120_000): Promise<boolean> {
  const until = Date.now() + maxMs;
  while (Date.now() < until && !c.exited()) {
    try {
      if ((await fetch(url)).status === 200) return true;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  return false;
}
