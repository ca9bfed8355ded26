import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkoutDataset, parseRange, type RowRange } from '../data/index.js';
import { SlipwayError } from '../errors/index.js';
import type { DatasetInput } from '../tracking/index.js';
import type { CliContext } from './context.js';

/** DATA as a path, or a dataset version NAME[@N] checked out into a temp folder (call `cleanup` when done). */
export async function resolveDataArg(ctx: CliContext, data: string): Promise<{ path: string; input?: DatasetInput; cleanup: () => void }> {
  if (existsSync(data)) return { path: data, cleanup: () => undefined };
  if (!/^[A-Za-z0-9][\w.-]*(@\d+)?$/.test(data)) {
    throw new SlipwayError('PATH_NOT_FOUND', `${data} does not exist; give an IDX folder, a CSV file or a dataset NAME@N`, { path: data });
  }
  const dir = mkdtempSync(join(tmpdir(), 'slipway-data-'));
  try {
    const v = await checkoutDataset(await ctx.db(), ctx.store(), data, dir, { link: ['reflink', 'hardlink', 'copy'] });
    return {
      path: dir,
      input: { dataset: v.name, version: v.version, treeHash: v.treeHash },
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
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
