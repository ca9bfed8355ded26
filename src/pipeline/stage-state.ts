import { sha256 } from '../store/index.js';
import { getDotted, paramsReader } from './params-file.js';
import type { PathHasher } from './path-hasher.js';
import type { LockDep, LockOut, LockStage } from './lock-file.js';
import type { Stage } from './stage-model.js';
import type { Db } from '../meta/index.js';
import { datasetLockDep, isDatasetDep, parseDatasetDep, resolveDatasetDep } from './dataset-deps.js';

/** What a stage would read right now, and the cache key that identifies an execution on these inputs. */
export interface StageFingerprint {
  readonly key: string;
  readonly deps: readonly LockDep[];
  readonly params: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Deps that do not exist (yet). */
  readonly missingDeps: readonly string[];
}

/** Why a stage must run. */
export type StaleReason =
  | { readonly kind: 'never_run' }
  | { readonly kind: 'always_changed' }
  | { readonly kind: 'cmd_changed'; readonly old: string; readonly new: string }
  | {
      readonly kind: 'dep_changed';
      readonly path: string;
      readonly change: 'modified' | 'added' | 'removed' | 'missing';
      /** For a `dataset:` dep: the versions it resolved to then and now. */
      readonly from?: number;
      readonly to?: number;
    }
  | { readonly kind: 'param_changed'; readonly file: string; readonly key: string; readonly old: unknown; readonly new: unknown }
  | { readonly kind: 'out_changed'; readonly path: string; readonly change: 'missing' | 'modified' }
  | { readonly kind: 'upstream_stale'; readonly stage: string };

/**
 * Computes a stage's fingerprint from the current workspace. `dataset:` deps resolve through `db` to the version they
 * point at now (without a database they count as missing).
 */
export async function fingerprint(
  root: string,
  stage: Stage,
  hasher: PathHasher,
  read = paramsReader(),
  db?: Db,
): Promise<StageFingerprint> {
  const deps: LockDep[] = [];
  const missingDeps: string[] = [];
  const hashes = await Promise.all(
    stage.deps.map(async (d): Promise<LockDep | undefined> => {
      if (isDatasetDep(d)) {
        const dep = parseDatasetDep(d, stage.name);
        const v = db ? await resolveDatasetDep(db, dep) : undefined;
        return v ? datasetLockDep(dep, v) : undefined;
      }
      const h = await hasher.hash(d);
      return h ? { path: d, hash: h.hash, size: h.size, nfiles: h.nfiles, type: h.type } : undefined;
    }),
  );
  stage.deps.forEach((path, i) => {
    const h = hashes[i];
    if (!h) missingDeps.push(path);
    else deps.push(h);
  });
  const params: Record<string, Record<string, unknown>> = {};
  for (const spec of stage.params) {
    const content = read(root, spec.file) ?? {};
    const values: Record<string, unknown> = {};
    if (spec.keys.length === 0) Object.assign(values, content);
    for (const k of spec.keys) values[k] = getDotted(content, k) ?? null;
    params[spec.file] = values;
  }
  return { key: cacheKey(stage, deps, params), deps, params, missingDeps };
}

/** The stage cache key: sha256 over the command, the declared output paths, dep hashes and param values. */
export function cacheKey(
  stage: Stage,
  deps: readonly LockDep[],
  params: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
): string {
  return sha256(
    JSON.stringify({
      cmd: stage.cmd,
      wdir: stage.wdir,
      outs: stage.outs.map((o) => o.path),
      deps: deps.map((d) => [d.path, d.hash]),
      params: Object.keys(params)
        .sort()
        .map((f) => [f, sortedEntries(params[f]!)]),
    }),
  );
}

function sortedEntries(o: Readonly<Record<string, unknown>>): [string, unknown][] {
  return Object.keys(o)
    .sort()
    .map((k) => [k, o[k]]);
}

/** Lists why `stage` differs from its lock entry (empty: up to date). Checks outputs too. */
export async function staleReasons(
  stage: Stage,
  lock: LockStage | undefined,
  fp: StageFingerprint,
  hasher: PathHasher,
): Promise<StaleReason[]> {
  if (stage.frozen && lock) return [];
  if (!lock) return [{ kind: 'never_run' }];
  const reasons: StaleReason[] = [];
  if (stage.alwaysChanged) reasons.push({ kind: 'always_changed' });
  const cmdNow = stage.cmd.join(' && ');
  const cmdThen = (Array.isArray(lock.cmd) ? lock.cmd : [String(lock.cmd)]).join(' && ');
  if (cmdNow !== cmdThen) reasons.push({ kind: 'cmd_changed', old: cmdThen, new: cmdNow });
  const then = new Map(lock.deps.map((d) => [d.path, d]));
  for (const path of fp.missingDeps) reasons.push({ kind: 'dep_changed', path, change: 'missing' });
  for (const d of fp.deps) {
    const old = then.get(d.path);
    if (!old) reasons.push({ kind: 'dep_changed', path: d.path, change: 'added' });
    else if (old.hash !== d.hash)
      reasons.push({
        kind: 'dep_changed',
        path: d.path,
        change: 'modified',
        ...(d.version !== undefined ? { to: d.version, ...(old.version !== undefined ? { from: old.version } : {}) } : {}),
      });
  }
  for (const path of then.keys()) if (!stage.deps.includes(path)) reasons.push({ kind: 'dep_changed', path, change: 'removed' });
  for (const [file, values] of Object.entries(fp.params)) {
    const old = lock.params[file] ?? {};
    for (const key of new Set([...Object.keys(values), ...Object.keys(old)])) {
      if (JSON.stringify(values[key] ?? null) !== JSON.stringify(old[key] ?? null))
        reasons.push({ kind: 'param_changed', file, key, old: old[key] ?? null, new: values[key] ?? null });
    }
  }
  for (const file of Object.keys(lock.params))
    if (!(file in fp.params)) reasons.push({ kind: 'param_changed', file, key: '*', old: lock.params[file], new: null });
  const outsThen = new Map<string, LockOut>(lock.outs.map((o) => [o.path, o]));
  const outHashes = await Promise.all(stage.outs.map((o) => hasher.hash(o.path)));
  stage.outs.forEach((o, i) => {
    const h = outHashes[i];
    if (!h) reasons.push({ kind: 'out_changed', path: o.path, change: 'missing' });
    else if (outsThen.get(o.path)?.hash !== h.hash) reasons.push({ kind: 'out_changed', path: o.path, change: 'modified' });
  });
  return reasons;
}

/** One line per reason, for people. */
export function describeReason(r: StaleReason): string {
  switch (r.kind) {
    case 'never_run':
      return 'never run (no entry in slipway.lock)';
    case 'always_changed':
      return 'always_changed: true';
    case 'cmd_changed':
      return `command changed: "${r.old}" -> "${r.new}"`;
    case 'dep_changed':
      if (r.to !== undefined) return `dependency ${r.path} ${r.change}: version ${r.from ?? '?'} -> ${r.to}`;
      return `dependency ${r.path} ${r.change}`;
    case 'param_changed':
      return `param ${r.key} (${r.file}) changed: ${JSON.stringify(r.old)} -> ${JSON.stringify(r.new)}`;
    case 'out_changed':
      return `output ${r.path} ${r.change}`;
    case 'upstream_stale':
      return `upstream stage ${r.stage} is stale`;
  }
}
