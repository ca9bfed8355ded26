/**
 * Signing and verifying model versions (and plain model folders) in the OpenSSF model-signing format
 * (signing-format.ts). A version's manifest comes straight from its tree: store object ids are the files' sha256.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { Db } from '../meta/index.js';
import type { ObjectStore } from '../store/index.js';
import { readTree } from '../store/index.js';
import { SlipwayError, isSlipwayError } from '../errors/index.js';
import { recordAudit } from '../access/index.js';
import { resolveModelRef } from './resolve-model.js';
import type { ModelRef } from './model-ref.js';
import {
  compareManifest,
  modelStatement,
  publicKeyHint,
  signStatement,
  verifyBundle,
  type ModelStatement,
  type SignedFile,
  type SigstoreBundle,
} from './signing-format.js';

/** The files of a folder with their sha256, POSIX names relative to it; symlinks are refused (allow_symlinks: false). */
export function hashModelFolder(dir: string, ignorePaths: readonly string[] = []): SignedFile[] {
  const out: SignedFile[] = [];
  const ignored = (rel: string): boolean => ignorePaths.some((p) => rel === p || rel.startsWith(`${p}/`));
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      const rel = relative(dir, full).split(sep).join('/');
      if (ignored(rel)) continue;
      const st = lstatSync(full);
      if (st.isSymbolicLink())
        throw new SlipwayError('SIGNATURE_INVALID', `${rel} is a symbolic link; signed models may not contain links`);
      if (st.isDirectory()) walk(full);
      else if (st.isFile()) out.push({ name: rel, digest: createHash('sha256').update(readFileSync(full)).digest('hex') });
    }
  };
  walk(dir);
  return out;
}

/** The files of a registered version, from its tree. */
function versionFiles(store: ObjectStore, treeHash: string): SignedFile[] {
  return readTree(store, treeHash).entries.map((e) => ({ name: e.path, digest: e.hash }));
}

/** Signs a version with a private key; stores the bundle (one per version, a new signature replaces the old). */
export async function signModelVersion(
  db: Db,
  store: ObjectStore,
  ref: string | ModelRef,
  privateKey: KeyObject,
  opts: { actor: string; source?: string },
): Promise<{ name: string; version: number; bundle: SigstoreBundle; statement: ModelStatement }> {
  const mv = await resolveModelRef(db, ref);
  const statement = modelStatement(mv.name, versionFiles(store, mv.treeHash));
  const bundle = signStatement(statement, privateKey);
  const hint = publicKeyHint(privateKey);
  await db.tx(async (t) => {
    await t.run(`DELETE FROM model_signatures WHERE name = ? AND version = ?`, [mv.name, mv.version]);
    await t.run(`INSERT INTO model_signatures (name, version, bundle_json, key_hint, signed_by, signed_at) VALUES (?, ?, ?, ?, ?, ?)`, [
      mv.name,
      mv.version,
      JSON.stringify(bundle),
      hint,
      opts.actor,
      Date.now(),
    ]);
    await recordAudit(t, {
      actor: opts.actor,
      source: opts.source,
      action: 'model.sign',
      target: `${mv.name}@${mv.version}`,
      change: { keyHint: hint, root: statement.subject[0]!.digest.sha256 },
    });
  });
  return { name: mv.name, version: mv.version, bundle, statement };
}

/** The stored bundle of a version, or null when it was never signed. */
export async function modelSignature(db: Db, name: string, version: number): Promise<SigstoreBundle | null> {
  const r = await db.get<{ bundle_json: string }>(`SELECT bundle_json FROM model_signatures WHERE name = ? AND version = ?`, [
    name,
    version,
  ]);
  return r ? (JSON.parse(r.bundle_json) as SigstoreBundle) : null;
}

/** Verifies a bundle with the first of `keys` that signed it. */
function verifyWithAny(bundle: SigstoreBundle, keys: readonly KeyObject[]): ModelStatement {
  if (keys.length === 0)
    throw new SlipwayError('SIGNING_KEY_INVALID', 'no public key to verify with; pass --key or set serving.signature_keys');
  let last: unknown;
  for (const k of keys) {
    try {
      return verifyBundle(bundle, k);
    } catch (e) {
      if (!isSlipwayError(e, 'SIGNATURE_INVALID')) throw e;
      last = e;
    }
  }
  throw last;
}

/**
 * Verifies a version: its bundle must verify with one of `keys` and list exactly the version's files; with `dir`, the
 * files in that folder (a checkout about to be served) are hashed and must match too. SIGNATURE_MISSING for an
 * unsigned version, SIGNATURE_INVALID for a bad signature or a changed file.
 */
export async function verifyModelVersion(
  db: Db,
  store: ObjectStore,
  ref: string | ModelRef,
  keys: readonly KeyObject[],
  opts: { dir?: string } = {},
): Promise<{ name: string; version: number; files: number; root: string }> {
  const mv = await resolveModelRef(db, ref);
  const bundle = await modelSignature(db, mv.name, mv.version);
  if (!bundle)
    throw new SlipwayError(
      'SIGNATURE_MISSING',
      `${mv.name}@${mv.version} is not signed; sign it with \`slipway models sign ${mv.name}@${mv.version} --key KEY\``,
      {
        model: mv.name,
        version: mv.version,
      },
    );
  const st = verifyWithAny(bundle, keys);
  const problems = compareManifest(st, versionFiles(store, mv.treeHash));
  if (opts.dir !== undefined) problems.push(...compareManifest(st, hashModelFolder(opts.dir)).map((p) => `on disk: ${p}`));
  if (problems.length > 0)
    throw new SlipwayError(
      'SIGNATURE_INVALID',
      `${mv.name}@${mv.version} does not match its signature: ${problems.slice(0, 5).join('; ')}`,
      {
        model: mv.name,
        version: mv.version,
      },
    );
  return { name: mv.name, version: mv.version, files: st.predicate.resources.length, root: st.subject[0]!.digest.sha256 };
}

/** Verifies a model folder against a bundle (`model_signing verify key` semantics, including its ignore_paths). */
export function verifyModelFolder(
  dir: string,
  bundle: unknown,
  key: KeyObject,
  ignorePaths: readonly string[] = [],
): { files: number; root: string } {
  const st = verifyBundle(bundle, key);
  const ignore = [...ignorePaths, ...(st.predicate.serialization.ignore_paths ?? [])];
  const problems = compareManifest(st, hashModelFolder(dir, ignore));
  if (problems.length > 0)
    throw new SlipwayError('SIGNATURE_INVALID', `the folder does not match its signature: ${problems.slice(0, 5).join('; ')}`);
  return { files: st.predicate.resources.length, root: st.subject[0]!.digest.sha256 };
}
