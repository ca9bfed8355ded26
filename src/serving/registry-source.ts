import type { Signature } from '../engine/signature.js';
import type { Db } from '../meta/index.js';
import type { ObjectStore } from '../store/index.js';
import { checkoutModelVersion, resolveModelRef, type ModelRef } from '../registry/index.js';

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

/** Binds the registry module (src/registry/index.ts) to a database and store. */
export function registrySource(db: Db, store: ObjectStore): RegistrySource {
  return {
    resolve: (ref) => resolveModelRef(db, ref),
    checkout: async (ref, dir) => {
      await checkoutModelVersion(db, store, ref, dir);
    },
  };
}
