import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'slipway-serve-p';
const OWNED = /^slipway-serve-p(\d+)-/;

/** A temp folder named after this process (`slipway-serve-p<PID>-…`), so a later server can tell whose it was. */
export function ownedTempDir(label: string, root: string = tmpdir()): string {
  const safe = label.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60);
  return mkdtempSync(join(root, `${PREFIX}${process.pid}-${safe}-`));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp folders of model servers that died without cleaning up (a SIGKILLed `slipway serve` leaves its
 * checkouts behind); folders of live processes are kept. Returns how many it removed.
 */
export function sweepOwnedTempDirs(root: string = tmpdir()): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return 0;
  }
  for (const n of names) {
    const pid = Number(OWNED.exec(n)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue;
    try {
      rmSync(join(root, n), { recursive: true, force: true });
      removed++;
    } catch {
      /* another sweeper got it, or not ours to remove */
    }
  }
  return removed;
}
