import type { Command } from 'commander';
import { listAudit, verifyAudit } from '../access/index.js';
import { parseWindow } from '../monitoring/parse-window.js';
import { SlipwayError } from '../errors/index.js';
import { printJson, style, table } from './output.js';
import { runCommand } from './run-command.js';

function sinceOf(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = Date.parse(s);
  if (!Number.isNaN(t) && /\d{4}-\d{2}-\d{2}/.test(s)) return t;
  return Date.now() - parseWindow(s);
}

/** `slipway audit log|verify`: the hash-chained record of every write. */
export function registerAudit(program: Command): void {
  const audit = program
    .command('audit')
    .description('the append-only, hash-chained audit log of every write')
    .addHelpText(
      'after',
      `
Examples:
  slipway audit log --since 24h
  slipway audit log --since 2026-12-01 --json
  slipway audit verify                   # exit 1 when an entry was edited or deleted
  slipway audit verify --head <HASH>     # also detects entries cut from the end (keep the head from \`audit log\`)`,
    );
  audit
    .command('log')
    .description('list entries (oldest first) and the head hash')
    .option('--since <when>', 'a duration (24h, 7d) or a date (2026-12-01)')
    .option('--actor <identity>', 'only this identity')
    .option('--limit <n>', 'at most this many (the newest)', '1000')
    .option('--json', 'print JSON')
    .action((o: { since?: string; actor?: string; limit: string; json?: boolean }) =>
      runCommand(async (ctx) => {
        const limit = Number(o.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new SlipwayError('USAGE', '--limit must be a positive integer');
        const entries = await listAudit(await ctx.db(), { since: sinceOf(o.since), actor: o.actor, limit });
        if (o.json) return printJson({ entries });
        process.stdout.write(
          `${table(
            ['seq', 'time', 'actor', 'source', 'action', 'target'],
            entries.map((e) => [e.seq, new Date(e.at).toISOString(), e.actor, e.source ?? '', e.action, e.target]),
          )}\n`,
        );
        const last = entries.at(-1);
        if (last) process.stdout.write(style.dim(`head ${last.hash}\n`));
      }),
    );
  audit
    .command('verify')
    .description('recompute every hash and link; exit 1 when the chain was edited or cut')
    .option('--head <hash>', 'a head hash seen earlier that must still be in the chain')
    .option('--json', 'print JSON')
    .action((o: { head?: string; json?: boolean }) =>
      runCommand(async (ctx) => {
        const r = await verifyAudit(await ctx.db(), { head: o.head });
        if (o.json) printJson(r);
        else if (r.ok) process.stdout.write(`${style.green('ok')}: ${r.entries} entries, head ${r.head}\n`);
        else {
          process.stdout.write(`${style.red('broken')}: ${r.problems.length} problem(s) in ${r.entries} entries\n`);
          for (const p of r.problems) process.stdout.write(`  entry ${p.seq}: ${p.problem}\n`);
        }
        if (!r.ok) {
          const first = r.problems[0]!;
          throw new SlipwayError(
            'AUDIT_CHAIN_BROKEN',
            `the audit log is broken at entry ${first.seq} (${first.problem}); it was edited or truncated`,
            {
              problems: r.problems.length,
            },
          );
        }
        return 0;
      }),
    );
}
