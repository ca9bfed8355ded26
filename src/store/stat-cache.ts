import Database from 'better-sqlite3';
import type { BigIntStats } from 'node:fs';

/** One file's identity on disk: if any of these change, the file is hashed again. */
export interface FileStamp {
  inode: bigint;
  mtimeNs: bigint;
  size: bigint;
}

/**
 * Remembers (path, inode, mtime, size) → sha256 so unchanged files are not hashed again (DVC's state db).
 * It lives in a SQLite file of its own next to the store, not in the metadata database, because inodes and
 * paths are only meaningful on this machine (the metadata database may be a shared PostgreSQL).
 */
export interface StatCache {
  /** The cached hash of `path` when its stamp is unchanged (and was not racy when recorded). */
  lookup(path: string, stamp: FileStamp): string | undefined;
  /**
   * Records hashes (one transaction). `hashedAtMs` is when the files were stat'ed, before hashing: a file whose
   * mtime is not clearly older than that may have been written again within the same timestamp tick, so its entry
   * is not trusted until it is re-recorded later (git's "racy clean" rule).
   */
  record(entries: readonly { path: string; stamp: FileStamp; hash: string }[], hashedAtMs?: number): void;
  close(): void;
}

/** File timestamps can be this coarse (a kernel tick), so mtimes this close to the hashing time count as racy. */
const RACY_SLACK_MS = 20n;

/** The stamp of a stat result taken with `{ bigint: true }`. */
export function stampOf(st: BigIntStats): FileStamp {
  return { inode: st.ino, mtimeNs: st.mtimeNs, size: st.size };
}

/** Opens (creating if needed) the stat cache stored in SQLite file `file`. */
export function openStatCache(file: string): StatCache {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // A local cache: when its layout changes it gets a new table name rather than a migration.
  db.exec(`CREATE TABLE IF NOT EXISTS stat_cache_v2 (
    path TEXT PRIMARY KEY, inode TEXT NOT NULL, mtime_ns TEXT NOT NULL, size TEXT NOT NULL, hash TEXT NOT NULL, trusted INTEGER NOT NULL)`);
  const get = db.prepare<[string], { inode: string; mtime_ns: string; size: string; hash: string; trusted: number }>(
    'SELECT inode, mtime_ns, size, hash, trusted FROM stat_cache_v2 WHERE path = ?',
  );
  const put = db.prepare('INSERT OR REPLACE INTO stat_cache_v2 (path, inode, mtime_ns, size, hash, trusted) VALUES (?, ?, ?, ?, ?, ?)');
  const putMany = db.transaction((entries: readonly { path: string; stamp: FileStamp; hash: string }[], hashedAtMs: number) => {
    const racyFrom = (BigInt(Math.floor(hashedAtMs)) - RACY_SLACK_MS) * 1_000_000n;
    for (const e of entries)
      put.run(e.path, String(e.stamp.inode), String(e.stamp.mtimeNs), String(e.stamp.size), e.hash, e.stamp.mtimeNs < racyFrom ? 1 : 0);
  });
  return {
    lookup(path, stamp) {
      const row = get.get(path);
      if (!row || !row.trusted) return undefined;
      return row.inode === String(stamp.inode) && row.mtime_ns === String(stamp.mtimeNs) && row.size === String(stamp.size)
        ? row.hash
        : undefined;
    },
    record(entries, hashedAtMs = Date.now()) {
      if (entries.length > 0) putMany(entries, hashedAtMs);
    },
    close: () => db.close(),
  };
}
