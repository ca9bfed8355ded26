import type { Command } from 'commander';
import { SlipwayError } from '../errors/index.js';
import { buildServer } from '../server/index.js';
import { assertSafeBind } from '../access/index.js';
import { runCommand } from './run-command.js';

/** `slipway server`: the control-plane REST API (runs, metrics, artifacts) with JSON logs. */
export function registerServer(program: Command): void {
  program
    .command('server')
    .description(
      'start the control-plane server: a REST API for runs, params, metrics, artifacts, and the web dashboard at / (logs are JSON, via pino)',
    )
    .option('--port <port>', 'port to listen on', '5000')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--body-limit <bytes>', 'largest JSON request body', String(1024 * 1024))
    .option('--insecure', 'listen beyond loopback without authentication (anyone who can reach the port may write)')
    .option('--quota <bytes>', 'most bytes the object store may hold before uploads are refused', String(20 * 1024 ** 3))
    .addHelpText(
      'after',
      `
Examples:
  slipway server --port 5000
  slipway auth token create --name ci --role deployer    # prints a token once
  slipway server --host 0.0.0.0                           # refuses to start until a token exists (or --insecure)
  SLIPWAY_TOKEN=secret slipway server --host 0.0.0.0     # one shared admin token: "Authorization: Bearer secret"
  SLIPWAY_TRACKING_URI=http://127.0.0.1:5000 node train.js  # the SDK logs to this server
  curl -s localhost:5000/api/runs -H 'content-type: application/json' -d '{"experiment":"demo"}'`,
    )
    .action((o: { port: string; host: string; bodyLimit: string; insecure?: boolean; quota: string }) =>
      runCommand(async (ctx) => {
        const port = Number(o.port);
        const bodyLimit = Number(o.bodyLimit);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new SlipwayError('USAGE', `--port must be 0–65535 (got "${o.port}")`);
        if (!Number.isInteger(bodyLimit) || bodyLimit < 1) throw new SlipwayError('USAGE', `--body-limit must be a positive integer`);
        const db = await ctx.db();
        // Beyond loopback, auth is required (AUTH_REQUIRED) unless --insecure.
        const auth = await assertSafeBind({ host: o.host, db, legacyToken: ctx.settings.token, insecure: o.insecure });
        const app = await buildServer({
          workspace: ctx.workspace(),
          db,
          auth,
          quotaBytes: Number(o.quota) > 0 ? Number(o.quota) : undefined,
          store: ctx.store(),
          bodyLimit,
          token: ctx.settings.token,
          logger: { level: 'info' },
        });
        await app.listen({ port, host: o.host });
        // Serve until a signal; then stop taking requests and finish the ones in flight.
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
