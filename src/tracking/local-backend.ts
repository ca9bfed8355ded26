import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { findWorkspace, type Settings } from '../config/index.js';
import { openDb, type Db } from '../meta/index.js';
import { addPathToStore, openObjectStore, type ObjectStore } from '../store/index.js';
import { SlipwayError } from '../errors/index.js';
import type { ArtifactRecord, TrackingBackend } from './backend.js';
import * as repo from './run-repository.js';
import { listRuns } from './run-query.js';

/** Stores a file (→ object) or folder (→ tree) in the store; returns what to attach to a run. */
export async function storeArtifact(store: ObjectStore, path: string, name: string): Promise<ArtifactRecord> {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new SlipwayError('ARTIFACT_NOT_FOUND', `cannot log artifact ${resolve(path)}: no such file or folder`, { path });
  }
  if (st.isDirectory()) {
    const { hash, entries } = await addPathToStore(store, path);
    return { path: name, hash, size: entries.reduce((s, e) => s + e.size, 0), kind: 'tree' };
  }
  const { hash, size } = await store.putFile(path);
  return { path: name, hash, size, kind: 'file' };
}

/** The in-process backend over a workspace's database and store. `owned` ones are closed by `close()`. */
export function localBackend(db: Db, store: ObjectStore, owned = false): TrackingBackend {
  return {
    kind: 'local',
    createRun: (input) => repo.createRun(db, input),
    logBatch: (id, batch) => repo.logBatch(db, id, batch),
    async logArtifact(id, path, name) {
      await repo.runStatus(db, id);
      const a = await storeArtifact(store, path, name);
      await repo.addArtifact(db, id, a);
      return a;
    },
    async logInput(id, input) {
      await repo.runStatus(db, id);
      await repo.addInput(db, id, input);
    },
    endRun: (id, status) => repo.endRun(db, id, status),
    getRun: (id) => repo.getRun(db, id),
    listRuns: (q) => listRuns(db, q),
    metricHistory: (id, key, page) => repo.metricHistory(db, id, key, page),
    async close() {
      if (owned) await db.close();
    },
  };
}

/** Opens the workspace found from `dir` (its SQLite file, or PostgreSQL when settings name one) as a local backend. */
export async function openLocalBackend(dir: string, settings: Pick<Settings, 'databaseUrl'>): Promise<TrackingBackend> {
  const ws = findWorkspace(dir);
  const db = await openDb({ sqlitePath: ws.dbPath, databaseUrl: settings.databaseUrl });
  return localBackend(db, openObjectStore(ws.objectsDir), true);
}

/** The default artifact name for a path: its base name. */
export function artifactName(path: string): string {
  return basename(resolve(path));
}
