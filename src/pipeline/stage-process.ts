import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** How one stage command ended. */
export interface StageExit {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly killed: boolean;
}

/** Options for running a stage's commands. */
export interface StageProcessOptions {
  readonly cmds: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Every output line, as it arrives. */
  readonly onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  /** The stage log file (stdout and stderr interleaved). */
  readonly logFile: string;
  readonly signal?: AbortSignal;
}

/**
 * Runs a stage's commands one after another through the shell, each in its own process group so that an abort kills
 * the whole tree (SIGTERM, then SIGKILL after a grace period). Stops at the first failing command.
 */
export async function runStageProcess(opts: StageProcessOptions): Promise<StageExit> {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  try {
    for (const cmd of opts.cmds) {
      if (opts.signal?.aborted) return { exitCode: null, signal: 'SIGTERM', killed: true };
      log.write(`$ ${cmd}\n`);
      const exit = await runOne(cmd, opts, log);
      if (exit.killed || exit.exitCode !== 0) return exit;
    }
    return { exitCode: 0, signal: null, killed: false };
  } finally {
    await new Promise<void>((r) => log.end(r));
  }
}

/**
 * The shell around each stage command. The command runs in its own process group (detached), so a SIGKILLed parent
 * would leave it running and racing the next `repro`; a watcher in the group polls the parent ($2) once a second and
 * kills the whole group when it is gone. The command is passed as $1, never spliced into the script.
 */
const GUARDED = [
  '( while kill -0 "$2" 2>/dev/null; do sleep 1; done; kill -KILL 0 ) </dev/null >/dev/null 2>&1 &',
  'watcher=$!',
  '/bin/sh -c "$1"',
  'code=$?',
  'kill "$watcher" 2>/dev/null',
  'exit $code',
].join('\n');

function runOne(cmd: string, opts: StageProcessOptions, log: NodeJS.WritableStream): Promise<StageExit> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', GUARDED, 'slipway-stage', cmd, String(process.pid)], {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let killed = false;
    let killTimer: NodeJS.Timeout | undefined;
    const kill = (): void => {
      if (killed || child.pid === undefined) return;
      killed = true;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      killTimer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, 3000);
      killTimer.unref();
    };
    opts.signal?.addEventListener('abort', kill, { once: true });
    const pipe = (stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr'): void => {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        log.write(chunk);
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          opts.onLine(buf.slice(0, nl), name);
          buf = buf.slice(nl + 1);
        }
      });
      stream.on('end', () => {
        if (buf) opts.onLine(buf, name);
      });
    };
    pipe(child.stdout, 'stdout');
    pipe(child.stderr, 'stderr');
    child.on('error', (e) => {
      opts.onLine(`cannot start: ${e.message}`, 'stderr');
      resolve({ exitCode: 127, signal: null, killed });
    });
    child.on('close', (code, sig) => {
      if (killTimer) clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', kill);
      resolve({ exitCode: code, signal: sig, killed });
    });
  });
}
