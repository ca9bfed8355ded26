import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { initWorkspace } from '../../src/config/index.js';
import { openDb } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import { registerModel, checkoutModelVersion } from '../../src/registry/index.js';
import {
  appEntries,
  buildHostBaseImage,
  buildImage,
  loadLayoutBase,
  nativeBinaries,
  slipwayPackageRoot,
  writeOciLayout,
  type BuiltImage,
} from '../../src/deploy/index.js';
import { compileDist } from '../helpers/compiled-dist.js';
import { tempDir } from '../helpers/temp-workspace.js';
import { iris, trainSoftmax, writeDenseModel } from '../registry/fixtures.js';

/** True when `cmd --version` runs (an installed tool). */
export function hasTool(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Runs a tool; throws with its stderr when it fails. */
export function run(cmd: string, args: readonly string[], opts: { cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: opts.cwd, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** A workspace with iris@1 and iris@2 registered, a compiled dist, a host base layout and a build cache. */
export interface ImageFixture {
  readonly dir: string;
  readonly workspace: string;
  readonly dist: string;
  readonly cacheDir: string;
  /** `oci:DIR` of the host base (tag `node`). */
  readonly baseDir: string;
  /** Folders holding iris@1 and iris@2's files. */
  readonly modelDirs: readonly string[];
  build(version: number, cacheDir?: string): Promise<BuiltImage>;
  cleanup(): void;
}

/** Builds the fixture (a few seconds: compiling src/ with esbuild and gzipping the host's node binary). */
export async function imageFixture(): Promise<ImageFixture> {
  const t = tempDir();
  const workspace = join(t.dir, 'ws');
  const ws = initWorkspace(workspace);
  const db = await openDb({ sqlitePath: ws.dbPath });
  const store = openObjectStore(ws.objectsDir);
  const data = iris();
  const modelDirs: string[] = [];
  for (const epochs of [40, 80]) {
    const src = join(t.dir, `src-${epochs}`);
    writeDenseModel(src, trainSoftmax(data, 4, 3, epochs), { features: 4, classes: 3 });
    const mv = await registerModel(db, store, { name: 'iris', from: { path: src } });
    const dir = join(t.dir, `iris-${mv.version}`);
    await checkoutModelVersion(db, store, `iris@${mv.version}`, dir);
    modelDirs.push(dir);
  }
  const versions = await Promise.all([1, 2].map((v) => import('../../src/registry/index.js').then((r) => r.getVersion(db, 'iris', v))));
  await db.close();
  const dist = join(t.dir, 'dist');
  await compileDist(dist);
  // `slipway build` keeps its cache in $SLIPWAY_CACHE_DIR/oci: the CLI tests point there and reuse these layers.
  const cacheDir = join(t.dir, 'cache', 'oci');
  const root = slipwayPackageRoot();
  const base = await buildHostBaseImage(cacheDir, { extraBinaries: nativeBinaries(appEntries({ root, distDir: dist })) });
  const baseDir = join(t.dir, 'base');
  writeOciLayout(baseDir, base, 'slipway/node:host');
  return {
    dir: t.dir,
    workspace,
    dist,
    cacheDir,
    baseDir,
    modelDirs,
    build: (version, cache = cacheDir) => {
      const mv = versions[version - 1]!;
      return buildImage({
        model: { name: 'iris', version, treeHash: mv.treeHash, format: mv.format, dir: modelDirs[version - 1]!, createdAt: mv.createdAt },
        app: { root, distDir: dist },
        base: loadLayoutBase(`${baseDir}:host`),
        cacheDir: cache,
      });
    },
    cleanup: t.cleanup,
  };
}
