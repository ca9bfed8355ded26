import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SlipwayError } from '../errors/index.js';

/** A located workspace: the folder holding `slipway.yaml` and its `.slipway/` state folder. */
export interface Workspace {
  readonly root: string;
  readonly stateDir: string;
  readonly configPath: string;
  readonly objectsDir: string;
  readonly dbPath: string;
}

export const CONFIG_FILE = 'slipway.yaml';
export const STATE_DIR = '.slipway';

/** The paths of a workspace rooted at `root` (no check that it exists). */
export function workspaceAt(root: string): Workspace {
  const abs = resolve(root);
  const stateDir = join(abs, STATE_DIR);
  return {
    root: abs,
    stateDir,
    configPath: join(abs, CONFIG_FILE),
    objectsDir: join(stateDir, 'objects'),
    dbPath: join(stateDir, 'slipway.db'),
  };
}

/** Finds the workspace containing `from` by walking up to the filesystem root, like git does. */
export function findWorkspace(from: string = process.cwd()): Workspace {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, STATE_DIR)) && statSync(join(dir, STATE_DIR)).isDirectory()) return workspaceAt(dir);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new SlipwayError(
    'WORKSPACE_NOT_FOUND',
    `no Slipway workspace found in ${resolve(from)} or any parent folder; run \`slipway init\` to create one`,
    { from: resolve(from) },
  );
}

const DEFAULT_CONFIG = `# Slipway workspace configuration. See the README's slipway.yaml reference.
# stages:          # pipeline stages (prepare -> train -> evaluate)
# gates:           # tests a model version must pass before an alias may move to it
# remotes:         # where \`slipway data push\` sends objects
stages: {}
`;

/** Creates `slipway.yaml` and `.slipway/` in `dir`; refuses when a workspace already exists there. */
export function initWorkspace(dir: string, opts: { force?: boolean } = {}): Workspace {
  const ws = workspaceAt(dir);
  if (existsSync(ws.stateDir) && !opts.force) {
    throw new SlipwayError('WORKSPACE_EXISTS', `${ws.root} is already a Slipway workspace (remove .slipway/ or pass --force)`, {
      root: ws.root,
    });
  }
  mkdirSync(ws.objectsDir, { recursive: true });
  mkdirSync(join(ws.stateDir, 'tmp'), { recursive: true });
  if (!existsSync(ws.configPath)) writeFileSync(ws.configPath, DEFAULT_CONFIG);
  const gitignore = join(ws.stateDir, '.gitignore');
  if (!existsSync(gitignore)) writeFileSync(gitignore, '*\n');
  return ws;
}
