import { createContext } from './context.js';
import { recordAudit, truncateForEcho } from '../access/index.js';
import { localActor } from './auth.js';

/** Commands (and verbs) that change a workspace; each successful one is an audit entry. */
const WRITES: Record<string, readonly string[] | true> = {
  data: ['add', 'remove', 'push', 'pull', 'checkout'],
  models: ['register', 'alias', 'promote', 'rollback'],
  runs: ['end'],
  remote: ['add', 'remove'],
  repro: true,
  gc: true,
  push: true,
  pull: true,
  train: true,
  rollout: true,
  deploy: true,
};

/** The command and verb of an argv, when it is a write (`data add`, `repro`). */
export function writeCommand(argv: readonly string[]): { command: string; verb: string | null; rest: string[] } | null {
  const words = argv.slice(2);
  const i = words.findIndex((w) => !w.startsWith('-'));
  const command = words[i];
  if (command === undefined || !(command in WRITES)) return null;
  const verbs = WRITES[command]!;
  const verb = words.slice(i + 1).find((w) => !w.startsWith('-')) ?? null;
  if (verbs !== true && (verb === null || !verbs.includes(verb))) return null;
  return { command, verb: verbs === true ? null : verb, rest: words.slice(i + 1) };
}

/**
 * Records a successful write command of the CLI in the audit chain (actor `local:USER`, source `cli`). Writes that
 * audit themselves in detail (alias moves, tokens, signatures) get this entry too: it says which command did it.
 */
export async function auditCliWrite(argv: readonly string[]): Promise<void> {
  const w = writeCommand(argv);
  if (!w || (process.exitCode ?? 0) !== 0) return;
  const ctx = createContext();
  try {
    await recordAudit(await ctx.db(), {
      actor: localActor(),
      source: 'cli',
      action: `cli.${w.command}${w.verb ? `.${w.verb}` : ''}`,
      target:
        truncateForEcho(
          w.rest
            .filter((a) => !a.startsWith('-'))
            .slice(w.verb ? 1 : 0)
            .join(' '),
          200,
        ) || w.command,
      change: { argv: w.rest.map((a) => truncateForEcho(a, 200)) },
    });
  } catch {
    // Outside a workspace (or read-only): nothing to audit.
  } finally {
    await ctx.close().catch(() => undefined);
  }
}
