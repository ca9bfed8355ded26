import type { Command } from 'commander';
import { initWorkspace } from '../config/index.js';
import { openDb } from '../meta/index.js';
import { runCommand } from './run-command.js';

/** `slipway init [dir]`: create a workspace. */
export function registerInit(program: Command): void {
  program
    .command('init [dir]')
    .description('create a Slipway workspace (slipway.yaml and .slipway/) in DIR (default: the current folder)')
    .option('--force', 'reinitialise a folder that already has .slipway/')
    .addHelpText('after', '\nExample:\n  slipway init my-project && cd my-project && slipway data add data/ --name mnist')
    .action((dir: string | undefined, opts: { force?: boolean }) =>
      runCommand(async (ctx) => {
        const ws = initWorkspace(dir ?? ctx.cwd, { force: opts.force });
        const db = await openDb({ sqlitePath: ws.dbPath, databaseUrl: ctx.settings.databaseUrl });
        await db.close();
        process.stdout.write(`Initialised Slipway workspace in ${ws.root}\n`);
      }),
    );
}
