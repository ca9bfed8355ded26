import type { Signature } from '../engine/signature.js';
import type { Db } from '../meta/index.js';
import type { ObjectStore } from '../store/index.js';
import { checkoutModelVersion, resolveModelRef } from '../registry/index.js';

/** What serving needs of a registry model version (src/registry/index.ts's ModelVersion). */
export interface RegistryVersion {
  readonly name: string;
  readonly version: number;
  readonly signature?: Signature;
}

/** The two registry calls serving uses, behind a private adapter so serving depends on nothing else there. */
export interface RegistrySource {
  resolve(ref: string): Promise<RegistryVersion>;
  checkout(ref: string, dir: string): Promise<void>;
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

/** A parsed model reference: `name`, `name:alias` or `name@N` (a bare name means alias production). */
export interface ParsedRef {
  readonly name: string;
  readonly alias?: string;
  readonly version?: number;
}

/** Parses `name`, `name:alias` or `name@N`. */
export function parseRef(ref: string): ParsedRef {
  const at = /^([^@:]+)@(\d+)$/.exec(ref);
  if (at) return { name: at[1]!, version: Number(at[2]) };
  const colon = /^([^@:]+):([^@:]+)$/.exec(ref);
  if (colon) return { name: colon[1]!, alias: colon[2]! };
  return { name: ref, alias: 'production' };
}
