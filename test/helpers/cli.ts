import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
/** tsx resolved from the repo, so the CLI can run with any cwd. */
export const TSX_IMPORT = import.meta.resolve('tsx');

/** Runs the CLI as a child process (through tsx) in `cwd`; returns exit code, stdout and stderr. */
export function cli(
  args: readonly string[],
  opts: { cwd: string; env?: Record<string, string>; input?: string },
): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', TSX_IMPORT, MAIN, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: '1', SLIPWAY_NO_PROGRESS: '1', ...opts.env },
    encoding: 'utf8',
    input: opts.input,
    timeout: 240_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
