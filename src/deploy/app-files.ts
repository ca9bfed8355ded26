import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SlipwayError } from '../errors/index.js';
import type { TarEntry } from './tar-writer.js';

/** Where the application lives inside the image. */
export const APP_DIR = 'app';

/** Where the app's sources come from: the package root (package.json, bin/, proto/, node_modules/) and its built JS. */
export interface AppSource {
  /** The slipway package root. */
  readonly root: string;
  /** The compiled JavaScript (default `<root>/dist`); it lands at /app/dist. */
  readonly distDir?: string;
}

/**
 * Paths inside node_modules that a linux container never loads: other platforms' prebuilt binaries, native build
 * intermediates and C sources, static libraries, type declarations, source maps, docs, and the `.bin` shims. Dropping them keeps onnxruntime-node from adding ~220 MB of
 * macOS and Windows libraries to the image.
 */
function pruned(rel: string, arch: string): boolean {
  if (/(^|\/)\.bin(\/|$)/.test(rel)) return true;
  if (/\/bin\/napi-v\d+\/(darwin|win32)(\/|$)/.test(rel)) return true;
  const linuxArch = /\/bin\/napi-v\d+\/linux\/([^/]+)(\/|$)/.exec(rel);
  if (linuxArch && linuxArch[1] !== arch) return true;
  if (/\/build\/Release\/(obj\.target|\.deps|obj)(\/|$)/.test(rel)) return true;
  if (/\/build\/(Makefile|config\.gypi|[^/]+\.mk|binding\.Makefile)$/.test(rel)) return true;
  if (/^node_modules\/better-sqlite3\/(deps|src)(\/|$)/.test(rel)) return true;
  // Never loaded at run time: static libraries, type declarations, source maps and docs (licences stay).
  if (/\.(a|d\.ts|d\.mts|d\.cts|map|md|markdown)$/i.test(rel) && !/licen[cs]e/i.test(rel)) return true;
  return false;
}

/**
 * Dependencies the model server never loads: the S3 remote, the Kubernetes client and onnxruntime-web serve CLI commands (push/pull,
 * deploy --apply, the web bundle), not `slipway serve`; leaving them (and what only they need) out halves the app layer.
 */
export const NOT_IN_IMAGE: readonly string[] = ['@kubernetes/client-node', '@aws-sdk/client-s3', 'onnxruntime-web'];

interface LockPackage {
  dev?: boolean;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** Where node resolves `name` required from the package at `from` (its node_modules, then each parent's). */
function resolveIn(packages: Record<string, LockPackage>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return undefined;
    const i = dir.lastIndexOf('/node_modules/');
    dir = i >= 0 ? dir.slice(0, i) : '';
  }
}

/**
 * The packages the image needs (from npm's lockfile): the closure of the root's production dependencies minus
 * `exclude`, following each package's own dependencies as node would resolve them; and every package path.
 */
export function installedPackages(root: string, exclude: readonly string[] = NOT_IN_IMAGE): { production: string[]; all: Set<string> } {
  const lockPath = [join(root, 'node_modules', '.package-lock.json'), join(root, 'package-lock.json')].find((p) => existsSync(p));
  if (!lockPath)
    throw new SlipwayError(
      'IMAGE_BASE_INVALID',
      `no package-lock.json under ${root}; run \`npm install\` so the production dependencies are known`,
      {
        root,
      },
    );
  const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as { packages?: Record<string, LockPackage> };
  const packages = lock.packages ?? {};
  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as LockPackage;
  const seen = new Set<string>();
  const queue: [string, string][] = Object.keys({ ...rootPkg.dependencies, ...rootPkg.optionalDependencies })
    .filter((n) => !exclude.includes(n))
    .map((n) => ['', n]);
  while (queue.length > 0) {
    const [from, name] = queue.pop()!;
    const at = resolveIn(packages, from, name);
    if (!at || seen.has(at) || !existsSync(join(root, at))) continue;
    seen.add(at);
    const meta = packages[at]!;
    for (const dep of Object.keys({ ...meta.dependencies, ...meta.optionalDependencies })) queue.push([at, dep]);
  }
  const all = new Set(Object.keys(packages).filter((p) => p.startsWith('node_modules/')));
  return { production: [...seen].sort(), all };
}

/** Walks `dir` into tar entries under `prefix`, skipping paths `skip` rejects (relative to `base`). */
function walk(dir: string, base: string, prefix: string, out: TarEntry[], skip: (rel: string) => boolean): void {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    const rel = relative(base, full).split('\\').join('/');
    if (skip(rel)) continue;
    const st = lstatSync(full);
    const path = `${prefix}/${rel}`;
    if (st.isDirectory()) {
      out.push({ path, type: 'dir', mode: 0o755 });
      walk(full, base, prefix, out, skip);
    } else if (st.isSymbolicLink()) out.push({ path, type: 'symlink', target: readlinkSync(full) });
    else if (st.isFile()) out.push({ path, type: 'file', mode: st.mode & 0o111 ? 0o755 : 0o644, size: st.size, source: full });
  }
}

/**
 * The application layer's entries under /app: package.json, bin/, proto/, dist/, the native kernels
 * (build/Release/*.node) and the production node_modules, native addons included.
 */
export function appEntries(src: AppSource, arch: string = process.arch): TarEntry[] {
  const root = src.root;
  const dist = src.distDir ?? join(root, 'dist');
  if (!existsSync(join(dist, 'cli', 'main.js')))
    throw new SlipwayError(
      'IMAGE_BASE_INVALID',
      `the compiled CLI ${join(dist, 'cli', 'main.js')} is missing; run \`npm run build\` first`,
      { dist },
    );
  const out: TarEntry[] = [];
  const pkg = join(root, 'package.json');
  out.push({ path: `${APP_DIR}/package.json`, type: 'file', mode: 0o644, size: lstatSync(pkg).size, source: pkg });
  for (const d of ['bin', 'proto']) if (existsSync(join(root, d))) walk(join(root, d), root, APP_DIR, out, () => false);
  out.push({ path: `${APP_DIR}/dist`, type: 'dir', mode: 0o755 });
  walk(dist, dist, `${APP_DIR}/dist`, out, (rel) => rel.endsWith('.d.ts') || rel.endsWith('.map'));
  const release = join(root, 'build', 'Release');
  if (existsSync(release))
    for (const name of readdirSync(release))
      if (name.endsWith('.node')) {
        const full = join(release, name);
        out.push({ path: `${APP_DIR}/build/Release/${name}`, type: 'file', mode: 0o755, size: lstatSync(full).size, source: full });
      }
  const { production, all } = installedPackages(root);
  for (const p of production) {
    out.push({ path: `${APP_DIR}/${p}`, type: 'dir', mode: 0o755 });
    // Nested packages are walked on their own when they are production ones, and left out when dev-only.
    walk(join(root, p), root, APP_DIR, out, (rel) => pruned(rel, arch) || (rel !== p && all.has(rel)));
  }
  // Scoped folders and nested node_modules folders appear more than once: keep one entry per path.
  const seen = new Map<string, TarEntry>();
  for (const e of out) seen.set(e.path, e);
  return [...seen.values()];
}

/** The slipway package root: the nearest folder above this file whose package.json is named "slipway". */
export function slipwayPackageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'slipway') return dir;
    const up = dirname(dir);
    if (up === dir) throw new SlipwayError('INTERNAL', `cannot find the slipway package root above ${from}`, {});
    dir = up;
  }
}

/** Native binaries the app loads (addons and the libraries beside them), whose shared libraries a base must carry. */
export function nativeBinaries(entries: readonly TarEntry[]): string[] {
  return entries.flatMap((e) =>
    e.type === 'file' && typeof e.source === 'string' && /\.(node|so(\.\d+)*)$/.test(e.path) ? [e.source] : [],
  );
}
