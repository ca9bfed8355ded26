import { cliSettings } from '../config/index.js';
import { createContext, type CliContext } from './context.js';
import { toSlipwayError } from '../errors/index.js';
import { style } from './output.js';

/**
 * Runs a command body with a context, turning errors into `error[CODE]: message` and the catalogue's exit code
 * (2 for usage/internal errors, 1 for failed checks). The body returns its own exit code (0 ok, 1 failed check).
 */
export async function runCommand(body: (ctx: CliContext) => Promise<number | void>): Promise<void> {
  const ctx = createContext();
  let code = 0;
  try {
    code = (await body(ctx)) ?? 0;
  } catch (e) {
    const err = toSlipwayError(e);
    process.stderr.write(`${style.red(`error[${err.code}]`)}: ${err.message}\n`);
    if (cliSettings().verbose) process.stderr.write(`${(err.cause as Error | undefined)?.stack ?? err.stack}\n`);
    else if (err.code === 'INTERNAL') process.stderr.write('(run again with --verbose for the stack trace)\n');
    code = err.exitCode;
  } finally {
    await ctx.close().catch(() => undefined);
  }
  process.exitCode = code;
}
