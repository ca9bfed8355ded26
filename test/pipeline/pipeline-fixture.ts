import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { openDb, type Db } from '../../src/meta/index.js';
import { openObjectStore, type ObjectStore } from '../../src/store/index.js';
import { loadPipeline, pipelineEnv, type Pipeline, type PipelineEnv } from '../../src/pipeline/index.js';
import { tempWorkspace, writeFiles } from '../helpers/temp-workspace.js';
import type { Workspace } from '../../src/config/index.js';

/** A workspace with a pipeline, an open database and store, and a side-effect folder outside the workspace. */
export interface PipelineFixture {
  readonly ws: Workspace;
  readonly dir: string;
  readonly db: Db;
  readonly store: ObjectStore;
  readonly env: PipelineEnv;
  /** A folder outside the workspace where stage commands count their executions. */
  readonly side: string;
  load(): Pipeline;
  write(files: Record<string, string>): void;
  setConfig(config: unknown): void;
  /** How many times a stage command that calls `count(name)` ran. */
  count(name: string): number;
  close(): Promise<void>;
}

/** A `node -e` command (JSON-quoted for the shell) that runs `js`. */
export function nodeCmd(js: string): string {
  return `node -e ${shellQuote(js)}`;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** JS snippet that appends one mark to the side-effect counter `name`. */
export function countJs(side: string, name: string): string {
  return `require('fs').appendFileSync(${JSON.stringify(join(side, `${name}.count`))}, 'x');`;
}

/** Creates a fixture with `config` as slipway.yaml and `files`. */
export async function pipelineFixture(config: unknown, files: Record<string, string> = {}): Promise<PipelineFixture> {
  const t = tempWorkspace(files);
  const side = mkdtempSync(join(tmpdir(), 'slipway-side-'));
  writeFiles(t.dir, { 'slipway.yaml': stringify(config) });
  const db = await openDb({ sqlitePath: t.ws.dbPath });
  const store = openObjectStore(t.ws.objectsDir);
  const env = pipelineEnv(t.ws, db, store);
  return {
    ws: t.ws,
    dir: t.dir,
    db,
    store,
    env,
    side,
    load: () => loadPipeline(t.dir),
    write: (f) => writeFiles(t.dir, f),
    setConfig: (c) => writeFiles(t.dir, { 'slipway.yaml': stringify(c) }),
    count: (name) => {
      const p = join(side, `${name}.count`);
      return existsSync(p) ? readFileSync(p, 'utf8').length : 0;
    },
    async close() {
      env.close();
      await db.close();
      t.cleanup();
      rmSync(side, { recursive: true, force: true });
    },
  };
}
