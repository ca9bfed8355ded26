import type { Readable } from 'node:stream';

/**
 * Where objects go with `slipway data push`: the same content-addressed layout as the local store (`ab/cdef…`).
 * Every backend (filesystem, S3) passes test/contract/remote.test.ts.
 */
export interface Remote {
  readonly url: string;
  has(hash: string): Promise<boolean>;
  /** Every object the remote holds. */
  list(): Promise<Set<string>>;
  /** Stores an object from a stream; the remote verifies the hash and writes atomically, so a retry is always safe. */
  put(hash: string, body: Readable): Promise<void>;
  /** A stream of an object's bytes; OBJECT_NOT_FOUND when the remote lacks it. */
  get(hash: string): Promise<Readable>;
  /** Remotes that are local folders give each object's file, so pulls copy (reflink) and verify in batches. */
  readonly localPathOf?: (hash: string) => string;
}
