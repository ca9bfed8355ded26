import type { Command } from 'commander';
import { addRemoteToConfig, openRemote, removeRemoteFromConfig } from '../store/index.js';
import { printJson, table } from './output.js';
import { runCommand } from './run-command.js';

/** `slipway remote add|list|remove`: where `data push` and `data pull` send and fetch objects. */
export function registerRemote(program: Command): void {
  const remote = program.command('remote').description('manage object remotes (a filesystem path, file:// URL or s3://BUCKET/PREFIX)');
  remote
    .command('add <name> <url>')
    .description('add a remote to slipway.yaml (comments in the file are kept)')
    .option('--force', 'replace a remote of the same name')
    .addHelpText(
      'after',
      '\nExamples:\n  slipway remote add origin /mnt/shared/slipway-store\n  slipway remote add backup file:///srv/slipway\n  slipway remote add team s3://ml-artifacts/slipway   # S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_REGION',
    )
    .action((name: string, url: string, opts: { force?: boolean }) =>
      runCommand(async (ctx) => {
        openRemote(url, ctx.workspace().root); // refuses unsupported schemes before anything is written
        addRemoteToConfig(ctx.workspace().configPath, name, url, opts);
        process.stdout.write(`remote ${name} → ${url}\n`);
      }),
    );
  remote
    .command('list')
    .description('list remotes')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      runCommand(async (ctx) => {
        const rows = Object.entries(ctx.config().remotes).map(([name, r]) => ({ name, url: r.url }));
        if (opts.json) return printJson(rows);
        process.stdout.write(
          rows.length
            ? `${table(
                ['name', 'url'],
                rows.map((r) => [r.name, r.url]),
              )}\n`
            : 'no remotes; add one with `slipway remote add NAME PATH`\n',
        );
      }),
    );
  remote
    .command('remove <name>')
    .alias('rm')
    .description('remove a remote from slipway.yaml (its objects are left alone)')
    .action((name: string) =>
      runCommand(async (ctx) => {
        removeRemoteFromConfig(ctx.workspace().configPath, name);
        process.stdout.write(`removed remote ${name}\n`);
      }),
    );
}
