import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { SlipwayError } from '../errors/index.js';

/** One entry of a layer tarball: a regular file (from disk or bytes), a directory, or a symlink. */
export type TarEntry =
  | { readonly path: string; readonly type: 'file'; readonly mode: number; readonly size: number; readonly source: string | Uint8Array }
  | { readonly path: string; readonly type: 'dir'; readonly mode: number }
  | { readonly path: string; readonly type: 'symlink'; readonly target: string };

/** Fixed modification time of every entry (1970-01-01T00:00:01Z, as Jib does): the same inputs give the same bytes. */
export const TAR_MTIME = 1;

const BLOCK = 512;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

/** A PAX extended header record: "<len> key=value\n", where len counts itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

function header(name: string, mode: number, size: number, typeflag: string, linkname = ''): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii'); // uid 0: files belong to root and are read-only for the image's user
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(TAR_MTIME, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(typeflag, 156, 'ascii');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

function padding(size: number): Buffer {
  const rem = size % BLOCK;
  return Buffer.alloc(rem === 0 ? 0 : BLOCK - rem);
}

/** Headers for an entry, with a PAX header first when the name or link does not fit ustar's 100 bytes. */
function headersFor(name: string, mode: number, size: number, typeflag: string, linkname = ''): Buffer[] {
  const long = Buffer.byteLength(name) > 100 || Buffer.byteLength(linkname) > 100 || size >= 8 ** 11;
  const out: Buffer[] = [];
  if (long) {
    let pax = paxRecord('path', name);
    if (linkname) pax += paxRecord('linkpath', linkname);
    if (size >= 8 ** 11) pax += paxRecord('size', String(size));
    const body = Buffer.from(pax, 'utf8');
    out.push(header(`PaxHeaders/${name.slice(-80)}`, 0o644, body.length, 'x'), body, padding(body.length));
  }
  out.push(header(long ? name.slice(0, 99) : name, mode, size >= 8 ** 11 ? 0 : size, typeflag, long ? linkname.slice(0, 99) : linkname));
  return out;
}

/** Sorts entries by path (byte order) so the archive does not depend on directory listing order. */
export function sortEntries(entries: readonly TarEntry[]): TarEntry[] {
  return [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Yields a deterministic tar archive of `entries` (already sorted and relative, e.g. `app/dist/index.js`): uid/gid 0,
 * fixed mtime, no user names, PAX headers only where ustar cannot hold a name.
 */
export async function* tarStream(entries: readonly TarEntry[]): AsyncGenerator<Buffer> {
  for (const e of entries) {
    if (e.type === 'dir') {
      yield* headersFor(e.path.endsWith('/') ? e.path : `${e.path}/`, e.mode, 0, '5');
    } else if (e.type === 'symlink') {
      yield* headersFor(e.path, 0o777, 0, '2', e.target);
    } else {
      yield* headersFor(e.path, e.mode, e.size, '0');
      let written = 0;
      if (typeof e.source === 'string' && e.size < 4 * 1024 * 1024) {
        // Most files are small: one read beats a stream's setup per file (thousands of them in node_modules).
        const data = await readFile(e.source);
        written = data.length;
        yield data;
      } else if (typeof e.source === 'string') {
        for await (const chunk of createReadStream(e.source)) {
          written += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      } else {
        written = e.source.length;
        yield Buffer.from(e.source);
      }
      if (written !== e.size)
        throw new SlipwayError(
          'IMAGE_INPUT_CHANGED',
          `${e.path} changed size while the layer was written (${e.size} → ${written} bytes); build again once nothing writes to it`,
          { path: e.path },
        );
      yield padding(e.size);
    }
  }
  yield Buffer.alloc(BLOCK * 2);
}
