import type { Command } from 'commander';
import { SlipwayError } from '../errors/index.js';
import { buildServer } from '../server/index.js';
import { runCommand } from './run-command.js';

/** `slipway ui`: the web dashboard (runs, compare, datasets, models, pipelines, monitoring) and the REST API it reads. */
export function registerUi(program: Command): void {
  program
    .command('ui')
    .description(
      'open the web dashboard: runs, comparisons, datasets, models, pipelines and live monitoring (same server as `slipway server`)',
    )
    .option('--port <port>', 'port to listen on', '5000')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .addHelpText(
      'after',
      `
Examples:
  slipway ui                    # then open http://127.0.0.1:5000/
  slipway ui --port 8080
  slipway server                # serves the same dashboard at / next to the REST API, with JSON logs`,
    )
    .action((o: { port: string; host: string }) =>
      runCommand(async (ctx) => {
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new SlipwayError('USAGE', `--port must be 0–65535 (got "${o.port}")`);
        const app = await buildServer({ workspace: ctx.workspace(), db: await ctx.db(), store: ctx.store(), token: ctx.settings.token });
        const address = await app.listen({ port, host: o.host });
        process.stdout.write(`Slipway dashboard: ${address}/  (Ctrl-C to stop)\n`);
        await new Promise<void>((resolve) => {
          const stop = (): void => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            void app.close().then(resolve, resolve);
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
      }),
    );
}
