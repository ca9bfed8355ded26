import { mkdirSync } from 'node:fs';
import type { Db } from '../meta/index.js';
import type { ObjectStore } from '../store/index.js';
import { checkoutTree } from '../store/index.js';
import { SlipwayError } from '../errors/index.js';
import { parseModelRef, type ModelRef } from './model-ref.js';
import { aliasVersion, getVersion, latestVersionNumber, requireModel } from './model-repository.js';
import type { ModelVersion } from './types.js';

/** Resolves `name@3`, `name:alias`, `name@latest` or a bare `name` (alias `production`) to a version. */
export async function resolveModelRef(db: Db, ref: string | ModelRef): Promise<ModelVersion> {
  const r = typeof ref === 'string' ? parseModelRef(ref) : ref;
  if (r.kind === 'version') return getVersion(db, r.name, r.version);
  await requireModel(db, r.name);
  if (r.alias === 'latest') {
    const latest = await latestVersionNumber(db, r.name);
    if (latest === null)
      throw new SlipwayError('MODEL_VERSION_NOT_FOUND', `model "${r.name}" has no versions yet; register one first`, { model: r.name });
    return getVersion(db, r.name, latest);
  }
  const v = await aliasVersion(db, r.name, r.alias);
  if (v === null)
    throw new SlipwayError(
      'ALIAS_NOT_FOUND',
      `model "${r.name}" has no alias "${r.alias}"; set it with \`slipway models alias ${r.name}@N ${r.alias}\``,
      { model: r.name, alias: r.alias },
    );
  return getVersion(db, r.name, v);
}

/** A resolved version as is, or the version a reference (typed or text) names. */
export async function resolveVersion(db: Db, ref: string | ModelRef | ModelVersion): Promise<ModelVersion> {
  return typeof ref !== 'string' && 'treeHash' in ref ? ref : resolveModelRef(db, ref);
}

/** Materialises a model version's files (model.json/weights.bin or model.onnx, and signature.json) into `dir`. */
export async function checkoutModelVersion(db: Db, store: ObjectStore, ref: string | ModelRef, dir: string): Promise<ModelVersion> {
  const mv = await resolveModelRef(db, ref);
  mkdirSync(dir, { recursive: true });
  checkoutTree(store, mv.treeHash, dir);
  return mv;
}
