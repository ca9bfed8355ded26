import type { Command } from 'commander';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { installPostCommitHook, uninstallPostCommitHook } from '../pipeline/index.js';
import { runCommand } from './run-command.js';

/** The command line that runs this same `slipway` (works for the built bin and for tsx in development). */
export function selfCommand(): string[] {
  const args: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if ((a === '--import' || a === '--loader') && argv[i + 1]) {
      const spec = argv[++i]!;
      let resolved = spec;
      try {
        resolved = spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('file:') ? spec : import.meta.resolve(spec);
      } catch {
        /* keep it as given */
      }
      args.push(a, resolved);
    }
  }
  return [process.execPath, ...args, process.argv[1]!];
}

/**
 * Environment for stage commands: this `slipway` first on PATH (a shim in `<state>/bin`), so stages such as
 * `slipway train …` run the same build even where no `slipway` is installed globally.
 */
export function stageEnvFor(stateDir: string): Record<string, string> {
  const bin = join(stateDir, 'bin');
  mkdirSync(bin, { recursive: true });
  const shim = join(bin, 'slipway');
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  writeFileSync(shim, `#!/bin/sh\nexec ${selfCommand().map(q).join(' ')} "$@"\n`);
  chmodSync(shim, 0o755);
  return { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
}

/** `slipway hooks install|uninstall`: a git post-commit hook that reproduces the pipeline in the background. */
export function registerHooks(program: Command): void {
  const hooks = program.command('hooks').description('git hooks that run the pipeline when code changes');
  hooks
    .command('install')
    .description('add a post-commit hook that runs `slipway repro` in the background after each commit')
    .addHelpText('after', '\nExample:\n  slipway hooks install && git commit -am "tune lr"   # then: tail -f .slipway/logs/hook-*.log')
    .action(() =>
      runCommand(async (ctx) => {
        const ws = ctx.workspace();
        const { hook, logDir } = installPostCommitHook(ws.root, ws.stateDir, selfCommand());
        process.stdout.write(
          `Installed ${hook}\nAfter each commit the pipeline runs in the background; its output goes to ${logDir}/hook-<time>.log\n`,
        );
        return 0;
      }),
    );
  hooks
    .command('uninstall')
    .description("remove Slipway's block from the post-commit hook")
    .action(() =>
      runCommand(async (ctx) => {
        const removed = uninstallPostCommitHook(ctx.workspace().root);
        process.stdout.write(removed ? 'Removed the Slipway post-commit hook\n' : 'No Slipway post-commit hook was installed\n');
        return 0;
      }),
    );
}
