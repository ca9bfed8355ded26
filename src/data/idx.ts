import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip, gunzipSync } from 'node:zlib';
import { SlipwayError } from '../errors/index.js';

/** Element types an IDX file can hold. */
export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A typed array of one of the IDX element types. */
export type IdxTypedArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** An n-dimensional array read from an IDX file (row-major, as stored). */
export interface IdxArray {
  dtype: IdxDType;
  shape: number[];
  data: IdxTypedArray;
}

const DTYPES: Record<number, { dtype: IdxDType; size: number }> = {
  0x08: { dtype: 'uint8', size: 1 },
  0x09: { dtype: 'int8', size: 1 },
  0x0b: { dtype: 'int16', size: 2 },
  0x0c: { dtype: 'int32', size: 4 },
  0x0d: { dtype: 'float32', size: 4 },
  0x0e: { dtype: 'float64', size: 8 },
};

const gunzipAsync = promisify(gunzip);

/** True when the bytes start with the gzip magic (1f 8b). */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Reads the IDX header (magic, dtype, dims) without decoding the body; null when the bytes are not IDX. */
export function idxHeader(buf: Uint8Array): { dtype: IdxDType; shape: number[]; offset: number } | null {
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) return null;
  const t = DTYPES[buf[2]!];
  const ndim = buf[3]!;
  if (!t || ndim === 0 || buf.length < 4 + 4 * ndim) return null;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 + 4 * i, false));
  return { dtype: t.dtype, shape, offset: 4 + 4 * ndim };
}

/** Decodes IDX bytes (already gunzipped). `source` names the file in errors. */
export function decodeIdx(buf: Uint8Array, source = 'IDX data'): IdxArray {
  const h = idxHeader(buf);
  if (!h) {
    throw new SlipwayError('DATA_FORMAT_INVALID', `${source} is not an IDX file (bad magic bytes); expected 00 00 <dtype> <ndim>`, {
      source,
    });
  }
  const { size } = DTYPES[buf[2]!]!;
  const count = h.shape.reduce((a, b) => a * b, 1);
  const need = h.offset + count * size;
  if (buf.length < need) {
    throw new SlipwayError(
      'DATA_FORMAT_INVALID',
      `${source} is truncated: header says shape [${h.shape.join(', ')}] (${need} bytes) but the file has ${buf.length} bytes`,
      { source },
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset + h.offset, count * size);
  let data: IdxTypedArray;
  switch (h.dtype) {
    case 'uint8':
      data = Uint8Array.from(buf.subarray(h.offset, h.offset + count));
      break;
    case 'int8':
      data = new Int8Array(Uint8Array.from(buf.subarray(h.offset, h.offset + count)).buffer);
      break;
    case 'int16': {
      const a = new Int16Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getInt16(i * 2, false);
      data = a;
      break;
    }
    case 'int32': {
      const a = new Int32Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getInt32(i * 4, false);
      data = a;
      break;
    }
    case 'float32': {
      const a = new Float32Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getFloat32(i * 4, false);
      data = a;
      break;
    }
    case 'float64': {
      const a = new Float64Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getFloat64(i * 8, false);
      data = a;
      break;
    }
  }
  return { dtype: h.dtype, shape: h.shape, data };
}

function notFound(path: string, e: unknown): SlipwayError {
  return new SlipwayError('PATH_NOT_FOUND', `cannot read ${path}: ${(e as Error).message}; check the path`, { path });
}

/** Reads an IDX file (raw or gzip-compressed, detected by magic bytes). */
export async function readIdx(path: string): Promise<IdxArray> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw notFound(path, e);
  }
  if (isGzip(buf)) {
    try {
      buf = await gunzipAsync(buf);
    } catch {
      throw new SlipwayError('DATA_FORMAT_INVALID', `${path} looks gzip-compressed but does not decompress; re-download it`, { path });
    }
  }
  return decodeIdx(buf, path);
}

/** Synchronous `readIdx`. */
export function readIdxSync(path: string): IdxArray {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw notFound(path, e);
  }
  if (isGzip(buf)) {
    try {
      buf = gunzipSync(buf);
    } catch {
      throw new SlipwayError('DATA_FORMAT_INVALID', `${path} looks gzip-compressed but does not decompress; re-download it`, { path });
    }
  }
  return decodeIdx(buf, path);
}

/** Encodes an array as IDX bytes (big-endian), e.g. to write test fixtures or exported splits. */
export function encodeIdx(arr: IdxArray): Buffer {
  const code = Number(Object.entries(DTYPES).find(([, v]) => v.dtype === arr.dtype)![0]);
  const { size } = DTYPES[code]!;
  const count = arr.shape.reduce((a, b) => a * b, 1);
  const off = 4 + 4 * arr.shape.length;
  const buf = Buffer.alloc(off + count * size);
  buf[2] = code;
  buf[3] = arr.shape.length;
  arr.shape.forEach((d, i) => buf.writeUInt32BE(d, 4 + 4 * i));
  const view = new DataView(buf.buffer, buf.byteOffset + off, count * size);
  for (let i = 0; i < count; i++) {
    const v = Number(arr.data[i]);
    if (arr.dtype === 'uint8') view.setUint8(i, v);
    else if (arr.dtype === 'int8') view.setInt8(i, v);
    else if (arr.dtype === 'int16') view.setInt16(i * 2, v, false);
    else if (arr.dtype === 'int32') view.setInt32(i * 4, v, false);
    else if (arr.dtype === 'float32') view.setFloat32(i * 4, v, false);
    else view.setFloat64(i * 8, v, false);
  }
  return buf;
}
