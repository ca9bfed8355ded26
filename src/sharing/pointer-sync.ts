import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../meta/index.js';
import { writeFileAtomic } from '../store/index.js';
import { databaseStamp, exportPointers, importPointers, pointerFilesStamp, type ImportReport } from './pointer-files.js';

const STAMP_FILE = 'pointers-stamp.json';

interface Stamp {
  files: string;
  db: string;
}

function readStamp(stateDir: string): Stamp {
  try {
    const s = JSON.parse(readFileSync(join(stateDir, STAMP_FILE), 'utf8')) as Partial<Stamp>;
    return { files: String(s.files ?? ''), db: String(s.db ?? '') };
  } catch {
    return { files: '', db: '' };
  }
}

/**
 * Keeps the database and the pointer files in step for one session (a CLI command): `open` imports pointer files
 * that changed since the last sync (a clone, `git pull`, `git checkout`), `close` exports what the session wrote.
 * Both are cheap when nothing changed (a directory listing and a few aggregate queries).
 */
export interface PointerSync {
  /** After opening the database: import pointer files that git changed. Returns what was imported, if anything. */
  open(db: Db): Promise<ImportReport | undefined>;
  /** Before closing the database: write pointer files for whatever changed in it. */
  close(db: Db): Promise<void>;
}

/** A pointer sync for the workspace at `root` with state in `stateDir`. */
export function pointerSync(root: string, stateDir: string): PointerSync {
  const save = (stamp: Stamp): void => {
    if (existsSync(stateDir)) writeFileAtomic(join(stateDir, STAMP_FILE), JSON.stringify(stamp));
  };
  let unreadable = false;
  return {
    async open(db) {
      const stamp = readStamp(stateDir);
      const files = pointerFilesStamp(root);
      if (files === '') return undefined;
      // Import when git changed the files, or when the database changed behind our back (recreated, restored, or
      // shared with others): rows the files hold must be in it before anything is exported from it.
      if (files === stamp.files && (await databaseStamp(db)) === stamp.db) return undefined;
      let report: ImportReport;
      try {
        report = await importPointers(db, root);
      } catch (e) {
        // Never overwrite a pointer file we could not read (a merge conflict, say): the user fixes it first.
        unreadable = true;
        throw e;
      }
      // What the files brought in is not this session's change: it must not trigger an export (after `git checkout`
      // of an older commit that would rewrite the checked-out files).
      save({ files, db: await databaseStamp(db) });
      return report;
    },
    async close(db) {
      if (unreadable || !existsSync(stateDir)) return;
      const stamp = readStamp(stateDir);
      const dbNow = await databaseStamp(db);
      if (dbNow === stamp.db) return;
      await exportPointers(db, root);
      save({ files: pointerFilesStamp(root), db: dbNow });
    },
  };
}
