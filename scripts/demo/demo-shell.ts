import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root (scripts/demo/ is two levels down). */
export const REPO_ROOT = join(import.meta.dirname, '..', '..');
const CLI_MAIN = join(REPO_ROOT, 'src', 'cli', 'main.ts');
const TSX = import.meta.resolve('tsx');

/** How one CLI command ended. */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Options of one command. */
export interface CommandOptions {
  /** Capture stdout (for --json) instead of showing it. */
  readonly capture?: boolean;
  /** Exit codes accepted besides 0 (e.g. 1 for a refused promotion). */
  readonly okCodes?: readonly number[];
  /** Run without printing the command line (a look-up the demo needs, not a step the user should copy). */
  readonly silent?: boolean;
}

/** Runs the real `slipway` CLI in the demo workspace, printing each command before it runs, as a user would type it. */
export interface DemoShell {
  readonly cwd: string;
  /** PATH with the `slipway` shim first, so pipeline stage commands find the CLI. */
  readonly env: NodeJS.ProcessEnv;
  slipway(args: readonly string[], opts?: CommandOptions): Promise<CommandResult>;
  /** Runs `slipway ARGS --json` silently and parses stdout. */
  json<T>(args: readonly string[], opts?: { okCodes?: readonly number[] }): Promise<T>;
  /** Starts a long-running `slipway` command (the model server); its output lines go to `onLine`. */
  background(args: readonly string[], onLine: (line: string) => void): ChildProcess;
  /** Prints a line for the user (nothing when quiet). */
  say(line?: string): void;
  readonly quiet: boolean;
}

/** Thrown when a command exits with an unexpected code; carries its output for the report. */
export class DemoCommandError extends Error {
  constructor(
    readonly command: string,
    readonly result: CommandResult,
  ) {
    super(`\`${command}\` exited with ${result.code}\n${tail(result.stderr || result.stdout)}`);
  }
}

function tail(s: string, lines = 25): string {
  return s.trimEnd().split('\n').slice(-lines).join('\n');
}

const useColour = (): boolean => Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined;
/** Bold cyan when colour is on. */
export const paint = {
  cmd: (s: string): string => (useColour() ? `\x1b[1;36m${s}\x1b[0m` : s),
  head: (s: string): string => (useColour() ? `\x1b[1;35m${s}\x1b[0m` : s),
  dim: (s: string): string => (useColour() ? `\x1b[2m${s}\x1b[0m` : s),
  warn: (s: string): string => (useColour() ? `\x1b[1;33m${s}\x1b[0m` : s),
  ok: (s: string): string => (useColour() ? `\x1b[1;32m${s}\x1b[0m` : s),
};

/** Quotes an argument for display the way a shell user would type it. */
export function shellWord(a: string): string {
  return /^[A-Za-z0-9_./:=@,+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/**
 * Writes a `slipway` shim into `binDir` (outside the workspace, so the pipeline never sees it) and returns a shell
 * over `cwd`. The shim runs this checkout's sources through tsx, the same code the tests run.
 */
export function createDemoShell(opts: { cwd: string; binDir: string; quiet: boolean }): DemoShell {
  mkdirSync(opts.binDir, { recursive: true });
  const shim = join(opts.binDir, 'slipway');
  writeFileSync(shim, `#!/bin/sh\nexec ${shellWord(process.execPath)} --import ${shellWord(TSX)} ${shellWord(CLI_MAIN)} "$@"\n`);
  chmodSync(shim, 0o755);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${opts.binDir}:${process.env.PATH ?? ''}`,
    ...(opts.quiet ? { NO_COLOR: '1', SLIPWAY_NO_PROGRESS: '1' } : {}),
  };
  const say = (line = ''): void => {
    if (!opts.quiet) process.stdout.write(`${line}\n`);
  };
  const spawnCli = (args: readonly string[], stdio: ('inherit' | 'pipe')[]): ChildProcess =>
    spawn(process.execPath, ['--import', TSX, CLI_MAIN, ...args], { cwd: opts.cwd, env, stdio: ['ignore', ...stdio] });

  const slipway = (args: readonly string[], o: CommandOptions = {}): Promise<CommandResult> => {
    const line = ['slipway', ...args].map(shellWord).join(' ');
    if (!o.silent) say(`${paint.cmd('$ ' + line)}`);
    const show = !opts.quiet && !o.silent;
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const child = spawnCli(args, [show && !o.capture ? 'inherit' : 'pipe', show ? 'inherit' : 'pipe']);
      let stdout = '';
      let stderr = '';
      child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      child.on('error', reject);
      child.on('close', (code) => {
        const r: CommandResult = { code: code ?? -1, stdout, stderr, ms: performance.now() - t0 };
        if (r.code === 0 || o.okCodes?.includes(r.code)) resolve(r);
        else reject(new DemoCommandError(line, r));
      });
    });
  };

  return {
    cwd: opts.cwd,
    env,
    quiet: opts.quiet,
    say,
    slipway,
    async json<T>(args: readonly string[], o: { okCodes?: readonly number[] } = {}): Promise<T> {
      const r = await slipway([...args, '--json'], { capture: true, silent: true, ...(o.okCodes ? { okCodes: o.okCodes } : {}) });
      try {
        return JSON.parse(r.stdout) as T;
      } catch {
        throw new Error(`\`slipway ${args.join(' ')} --json\` did not print JSON:\n${tail(r.stdout)}\n${tail(r.stderr)}`);
      }
    },
    background(args, onLine) {
      const child = spawnCli(args, ['pipe', 'pipe']);
      for (const s of [child.stdout, child.stderr]) {
        let buf = '';
        s?.setEncoding('utf8').on('data', (c: string) => {
          buf += c;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            onLine(buf.slice(0, nl));
            buf = buf.slice(nl + 1);
          }
        });
      }
      return child;
    },
  };
}
