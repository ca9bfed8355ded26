import { findWorkspace, loadConfig, loadSettings, type Settings, type SlipwayConfig, type Workspace } from '../config/index.js';
import { openDb, type Db } from '../meta/index.js';
import { openObjectStore, type ObjectStore } from '../store/index.js';
import { pointerSync, type PointerSync } from '../sharing/index.js';
import { toSlipwayError } from '../errors/index.js';
import { reapOrphanRuns } from '../tracking/orphan-runs.js';

/** What a CLI command works with, opened lazily so commands that need no database stay fast. */
export interface CliContext {
  readonly settings: Settings;
  readonly cwd: string;
  workspace(): Workspace;
  config(): SlipwayConfig;
  db(): Promise<Db>;
  store(): ObjectStore;
  close(): Promise<void>;
}

/** Creates the context for one CLI invocation. */
export function createContext(cwd: string = process.cwd(), settings: Settings = loadSettings()): CliContext {
  let ws: Workspace | undefined;
  let cfg: SlipwayConfig | undefined;
  let db: Promise<Db> | undefined;
  let store: ObjectStore | undefined;
  let sync: PointerSync | undefined;
  // The database indexes the pointer files committed to git (slipway/): read what git changed, write what we change.
  const openSynced = async (): Promise<Db> => {
    const w = ctx.workspace();
    const d = await openDb({ sqlitePath: w.dbPath, databaseUrl: settings.databaseUrl });
    sync = pointerSync(w.root, w.stateDir);
    try {
      const r = await sync.open(d);
      for (const c of r?.conflicts ?? [])
        process.stderr.write(`warning: ${c} differs between slipway/ pointer files and the database; the database's is kept\n`);
    } catch (e) {
      const err = toSlipwayError(e);
      process.stderr.write(`warning[${err.code}]: ${err.message}\n`);
    }
    // A run whose process died (a SIGKILLed repro or training script) would stay RUNNING forever: end it as KILLED.
    await reapOrphanRuns(d).catch(() => undefined);
    return d;
  };
  const ctx: CliContext = {
    settings,
    cwd,
    workspace: () => (ws ??= findWorkspace(cwd)),
    config: () => (cfg ??= loadConfig(ctx.workspace().configPath)),
    db: () => (db ??= openSynced()),
    store: () => (store ??= openObjectStore(ctx.workspace().objectsDir)),
    async close() {
      if (!db) return;
      const d = await db;
      try {
        await sync?.close(d);
      } finally {
        await d.close();
      }
    },
  };
  return ctx;
}
