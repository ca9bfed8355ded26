import { tmpdir } from 'node:os';
import { openDataSource, parseRange, type RowRange } from '../data/index.js';
import { SlipwayError } from '../errors/index.js';
import type { DatasetInput } from '../tracking/index.js';
import type { CliContext } from './context.js';

/** DATA as a path, or a dataset version NAME[@N|@latest] checked out into a temp folder (call `cleanup` when done). */
export async function resolveDataArg(ctx: CliContext, data: string): Promise<{ path: string; input?: DatasetInput; cleanup: () => void }> {
  const src = await openDataSource(data, {
    root: ctx.cwd,
    tmpDir: tmpdir(),
    db: () => ctx.db(),
    store: () => ctx.store(),
    link: ['reflink', 'hardlink', 'copy'],
  });
  const v = src.version;
  return { path: src.path, ...(v ? { input: { dataset: v.name, version: v.version, treeHash: v.treeHash } } : {}), cleanup: src.close };
}

/** --range START:END, or --train-count N as 0:N. */
export function rangeOption(o: { range?: string; trainCount?: string }): RowRange | undefined {
  if (o.range) return parseRange(o.range);
  if (o.trainCount) return parseRange(`0:${positive(o.trainCount, '--train-count')}`);
  return undefined;
}

/** A flag value that must be a positive number (USAGE otherwise). */
export function positive(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new SlipwayError('USAGE', `${flag} must be a positive number, got ${v}`, {});
  return n;
}
