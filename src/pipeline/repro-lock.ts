import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SlipwayError } from '../errors/index.js';

/** Who holds the workspace's repro lock. */
export interface ReproLockInfo {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: number;
  readonly command: string;
}

/** A held lock; `release` is idempotent. */
export interface ReproLock {
  readonly path: string;
  release(): void;
}

/**
 * Takes the workspace's repro lock (`.slipway/repro.lock`). The file appears atomically with its content (written to a
 * temp file, then hard-linked into place, which fails if it exists), so it is never half-written. A lock whose process is
 * gone (same host) is stale and taken over. Waits up to `waitMs`, then refuses with REPRO_LOCKED.
 */
export async function acquireReproLock(
  path: string,
  opts: { waitMs?: number; pollMs?: number; command?: string } = {},
): Promise<ReproLock> {
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + (opts.waitMs ?? 0);
  const info: ReproLockInfo = { pid: process.pid, host: hostname(), startedAt: Date.now(), command: opts.command ?? 'repro' };
  const tmp = join(dirname(path), `.repro-lock-${process.pid}-${randomBytes(4).toString('hex')}`);
  // No fsync needed: the file only becomes the lock by link(), and an unreadable lock left by a crash counts as stale.
  writeFileSync(tmp, JSON.stringify(info));
  try {
    for (;;) {
      try {
        linkSync(tmp, path);
        let released = false;
        return {
          path,
          release() {
            if (released) return;
            released = true;
            const holder = readHolder(path);
            if (holder && holder.pid === process.pid) rmSync(path, { force: true });
          },
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = readHolder(path);
      if (holder === null) continue; // released between our link and read: try again
      if (holder === undefined || (holder.host === info.host && !alive(holder.pid))) {
        rmSync(path, { force: true }); // stale: its process is gone (or the file is unreadable debris)
        continue;
      }
      if (Date.now() >= deadline) {
        throw new SlipwayError(
          'REPRO_LOCKED',
          `another \`slipway ${holder.command}\` (pid ${holder.pid} on ${holder.host}, started ${new Date(holder.startedAt).toISOString()}) holds ${path}; wait for it, or pass --wait SECONDS to queue behind it`,
          { ...holder, path },
        );
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 100));
    }
  } finally {
    rmSync(tmp, { force: true });
  }
}

function readHolder(path: string): ReproLockInfo | undefined | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as ReproLockInfo;
    return typeof v.pid === 'number' ? v : undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return undefined;
  }
}

function alive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
