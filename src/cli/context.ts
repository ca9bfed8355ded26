import { findWorkspace, loadConfig, loadSettings, type Settings, type SlipwayConfig, type Workspace } from '../config/index.js';
import { openDb, type Db } from '../meta/index.js';
import { openObjectStore, type ObjectStore } from '../store/index.js';

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
  const ctx: CliContext = {
    settings,
    cwd,
    workspace: () => (ws ??= findWorkspace(cwd)),
    config: () => (cfg ??= loadConfig(ctx.workspace().configPath)),
    db: () => (db ??= openDb({ sqlitePath: ctx.workspace().dbPath, databaseUrl: settings.databaseUrl })),
    store: () => (store ??= openObjectStore(ctx.workspace().objectsDir)),
    async close() {
      if (db) await (await db).close();
    },
  };
  return ctx;
}
