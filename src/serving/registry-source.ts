import type { Signature } from '../engine/signature.js';
import type { Db } from '../meta/index.js';
import type { ObjectStore } from '../store/index.js';
import type { KeyObject } from 'node:crypto';
import { checkoutModelVersion, resolveModelRef, verifyModelVersion, type ModelRef } from '../registry/index.js';

/** What serving needs of a registry model version (src/registry/index.ts's ModelVersion). */
export interface RegistryVersion {
  readonly name: string;
  readonly version: number;
  readonly signature?: Signature;
}

/** The two registry calls serving uses, behind a private adapter so serving depends on nothing else there. */
export interface RegistrySource {
  resolve(ref: ModelRef): Promise<RegistryVersion>;
  checkout(ref: ModelRef, dir: string): Promise<void>;
}

/**
 * Binds the registry module (src/registry/index.ts) to a database and store. With `signatureKeys`
 * (`serving.require_signature`), every checkout is hashed file by file and must match the version's signature; an
 * unsigned or changed version fails to load, so the model set keeps serving the version it had.
 */
export function registrySource(db: Db, store: ObjectStore, signatureKeys?: readonly KeyObject[]): RegistrySource {
  return {
    resolve: (ref) => resolveModelRef(db, ref),
    checkout: async (ref, dir) => {
      await checkoutModelVersion(db, store, ref, dir);
      if (signatureKeys) await verifyModelVersion(db, store, ref, signatureKeys, { dir });
    },
  };
}
