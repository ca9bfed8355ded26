import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { SERVE_NODE_FLAGS } from '../config/index.js';

/** True when this process already runs with the server's flags, or the user opted out (SLIPWAY_SERVE_NODE_FLAGS=0). */
export function hasServeFlags(execArgv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  return env.SLIPWAY_SERVE_NODE_FLAGS === '0' || SERVE_NODE_FLAGS.every((f) => execArgv.includes(f));
}

/**
 * Runs this same command line again in a child node with SERVE_NODE_FLAGS; resolves with its exit code.
 * The child gets its own process group, so a Ctrl-C reaches it once (forwarded from here) and it drains its
 * requests instead of dying on a second signal; an IPC channel tells it when this parent is gone, even by SIGKILL.
 */
export function serveInChild(): Promise<number> {
  const child = spawn(process.execPath, [...SERVE_NODE_FLAGS, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    detached: true,
  });
  const forward = (sig: NodeJS.Signals): void => {
    child.kill(sig);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, forward);
  return new Promise((resolve) => {
    child.on('error', (e) => {
      process.stderr.write(`slipway serve: could not start the server process: ${e.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      for (const s of signals) process.off(s, forward);
      resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1));
    });
  });
}

/** In the server child: stop (as on SIGTERM) when the parent that started it is gone. */
export function stopWithParent(stop: () => void): void {
  if (!process.send) return;
  process.once('disconnect', stop);
  // The channel must not keep the server alive by itself, nor keep a finished server from exiting.
  process.channel?.unref();
}
