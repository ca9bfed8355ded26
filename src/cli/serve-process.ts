import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { SERVE_NODE_FLAGS } from '../config/index.js';

/** True when this process already runs with the server's flags, or the user opted out (SLIPWAY_SERVE_NODE_FLAGS=0). */
export function hasServeFlags(execArgv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  return env.SLIPWAY_SERVE_NODE_FLAGS === '0' || SERVE_NODE_FLAGS.every((f) => execArgv.includes(f));
}

/**
 * Runs this same command line again in a child node with SERVE_NODE_FLAGS; resolves with its exit code.
 * The child stays in this session and process group: a new session (`detached`) put it in its own scheduler
 * autogroup on Linux, where it got a group's share of the CPU instead of its threads' share and its p99 doubled next
 * to a load generator (bench/serve.ts). Signals sent to this parent are forwarded; a terminal's Ctrl-C reaches both
 * processes, and the child takes the forwarded copy as the same signal (onStopSignal). An IPC channel tells the child
 * when this parent is gone, even by SIGKILL.
 */
export function serveInChild(): Promise<number> {
  const child = spawn(process.execPath, [...SERVE_NODE_FLAGS, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
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

/** How long a repeated stop signal counts as the first one delivered twice (terminal + forwarding parent). */
const DUPLICATE_SIGNAL_MS = 500;

/**
 * Calls `stop` once, on the first SIGINT, SIGTERM or SIGHUP. A repeat within DUPLICATE_SIGNAL_MS is the same signal
 * delivered twice and is ignored; a later one ends the process at once (a second Ctrl-C skips the drain), as Node's
 * default handling would.
 */
export function onStopSignal(stop: () => void): void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  let first = 0;
  const handler = (sig: NodeJS.Signals): void => {
    if (first === 0) {
      first = Date.now();
      stop();
      return;
    }
    if (Date.now() - first < DUPLICATE_SIGNAL_MS) return;
    for (const s of signals) process.off(s, handler);
    process.kill(process.pid, sig);
  };
  for (const s of signals) process.on(s, handler);
}

/** In the server child: stop (as on SIGTERM) when the parent that started it is gone. */
export function stopWithParent(stop: () => void): void {
  if (!process.send) return;
  process.once('disconnect', stop);
  // The channel must not keep the server alive by itself, nor keep a finished server from exiting.
  process.channel?.unref();
}
