import { execFileSync } from 'node:child_process';
import { realpathSync, statSync } from 'node:fs';
import type { TarEntry } from './tar-writer.js';

/** The user images run as: a fixed, non-root uid/gid (Kubernetes' runAsNonRoot needs a numeric one). */
export const IMAGE_UID = 10001;

/** The shared libraries `ldd` says `binary` loads (absolute paths as the loader looks them up). */
export function sharedLibraries(binary: string): string[] {
  let out: string;
  try {
    out = execFileSync('ldd', [binary], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return []; // static binaries ("not a dynamic executable") exit non-zero
  }
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]!);
  }
  return libs;
}

function fileEntry(path: string, source: string, mode?: number): TarEntry {
  const real = realpathSync(source);
  const st = statSync(real);
  return { path, type: 'file', mode: mode ?? (st.mode & 0o111 ? 0o755 : 0o644), size: st.size, source: real };
}

/**
 * A minimal Node.js runtime taken from this host: the `node` binary at /usr/local/bin/node (where the official node
 * images put it), every shared library it and `extraBinaries` (native addons) load, /etc/passwd and /etc/group with
 * the image user, and a world-writable /tmp. Used by the tests and for air-gapped builds; real builds use a
 * node:20-slim-style base from a registry.
 */
export function hostBaseEntries(nodeBinary: string = process.execPath, extraBinaries: readonly string[] = []): TarEntry[] {
  const entries = new Map<string, TarEntry>();
  entries.set('usr/local/bin/node', fileEntry('usr/local/bin/node', nodeBinary, 0o755));
  for (const bin of [nodeBinary, ...extraBinaries])
    for (const lib of sharedLibraries(bin)) {
      const path = lib.replace(/^\/+/, '');
      // A library bundled beside an addon (onnxruntime's libonnxruntime.so) travels with the app layer, not the base.
      if (!entries.has(path) && !/\/node_modules\/|\/build\/Release\//.test(lib)) entries.set(path, fileEntry(path, lib));
    }
  const text = (path: string, s: string, mode = 0o644): TarEntry => ({
    path,
    type: 'file',
    mode,
    size: Buffer.byteLength(s),
    source: Buffer.from(s),
  });
  entries.set(
    'etc/passwd',
    text('etc/passwd', `root:x:0:0:root:/root:/sbin/nologin\nslipway:x:${IMAGE_UID}:${IMAGE_UID}:slipway:/tmp:/sbin/nologin\n`),
  );
  entries.set('etc/group', text('etc/group', `root:x:0:\nslipway:x:${IMAGE_UID}:\n`));
  entries.set('tmp', { path: 'tmp', type: 'dir', mode: 0o1777 });
  return [...entries.values()];
}
