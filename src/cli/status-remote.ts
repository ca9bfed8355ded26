import { remoteStatus } from '../sharing/index.js';
import type { CliContext } from './context.js';
import { printJson, style, table } from './output.js';
import { openChosenRemote } from './share-remote.js';

/** `slipway status --remote`: lists what is not pulled and what is not pushed; exit 0 either way (a report, not a check). */
export async function printRemoteStatus(ctx: CliContext, remoteName: string | undefined, json: boolean): Promise<number> {
  const { name, remote } = openChosenRemote(ctx, remoteName);
  const entries = await remoteStatus(await ctx.db(), ctx.store(), remote, ctx.workspace().root);
  const open = entries.filter((e) => e.missingLocal > 0 || e.missingRemote > 0);
  if (json) {
    printJson({ remote: name, inSync: open.length === 0, entries });
    return 0;
  }
  if (open.length === 0) {
    process.stdout.write(
      `${style.green(`Workspace and ${name} are in sync.`)} (${entries.length} dataset and model versions, outputs and run-cache entries checked)\n`,
    );
    return 0;
  }
  const state = (e: (typeof open)[number]): string =>
    [
      e.missingLocal > 0 ? `not pulled (${e.missingLocal} missing here)` : '',
      e.missingRemote > 0 ? `not pushed (${e.missingRemote} missing on ${name})` : '',
    ]
      .filter(Boolean)
      .join(', ');
  process.stdout.write(
    `${table(
      ['what', 'state'],
      open.map((e) => [e.label, state(e)]),
    )}\n`,
  );
  process.stdout.write(style.dim(`run \`slipway push\` / \`slipway pull\` to sync with ${name}\n`));
  return 0;
}
