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
  /** The cached hash of `path` when its stamp is unchanged. */
  lookup(path: string, stamp: FileStamp): string | undefined;
  /** Records hashes (one transaction). */
  record(entries: readonly { path: string; stamp: FileStamp; hash: string }[]): void;
  close(): void;
}

/** The stamp of a stat result taken with `{ bigint: true }`. */
export function stampOf(st: BigIntStats): FileStamp {
  return { inode: st.ino, mtimeNs: st.mtimeNs, size: st.size };
}

/** Opens (creating if needed) the stat cache stored in SQLite file `file`. */
export function openStatCache(file: string): StatCache {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE IF NOT EXISTS stat_cache (
    path TEXT PRIMARY KEY, inode TEXT NOT NULL, mtime_ns TEXT NOT NULL, size TEXT NOT NULL, hash TEXT NOT NULL)`);
  const get = db.prepare<[string], { inode: string; mtime_ns: string; size: string; hash: string }>(
    'SELECT inode, mtime_ns, size, hash FROM stat_cache WHERE path = ?',
  );
  const put = db.prepare('INSERT OR REPLACE INTO stat_cache (path, inode, mtime_ns, size, hash) VALUES (?, ?, ?, ?, ?)');
  const putMany = db.transaction((entries: readonly { path: string; stamp: FileStamp; hash: string }[]) => {
    for (const e of entries) put.run(e.path, String(e.stamp.inode), String(e.stamp.mtimeNs), String(e.stamp.size), e.hash);
  });
  return {
    lookup(path, stamp) {
      const row = get.get(path);
      if (!row) return undefined;
      return row.inode === String(stamp.inode) && row.mtime_ns === String(stamp.mtimeNs) && row.size === String(stamp.size)
        ? row.hash
        : undefined;
    },
    record(entries) {
      if (entries.length > 0) putMany(entries);
    },
    close: () => db.close(),
  };
}
