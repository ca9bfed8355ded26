import { openRemote, pickRemote, type Remote } from '../store/index.js';
import type { CliContext } from './context.js';

/** The remote a sharing command talks to: `-r NAME`, else the only one, else `origin`. */
export function openChosenRemote(ctx: CliContext, name?: string): { name: string; remote: Remote } {
  const target = pickRemote(ctx.config().remotes, name);
  return { name: target.name, remote: openRemote(target.url, ctx.workspace().root, { s3: ctx.settings.s3 }) };
}
