import { SlipwayError } from '../errors/index.js';
import { formatModelRef, parseModelRef, versionRef, type ModelRef } from '../registry/index.js';
import {
  closeEntry,
  loadFromRegistry,
  makeServable,
  retire,
  type Servable,
  type ServableEntry as Entry,
  type ServableLoadOptions,
} from './servable-entry.js';
import { checkBeforeRouting, goesToCanary, SHADOW_SUFFIX, type TrafficPlan, type TrafficRole } from './traffic-router.js';

export type { Servable } from './servable-entry.js';

/** One model to serve: a registry reference (`name`, `name:alias`, `name@N`, `name@latest`; see registry/model-ref.ts) or a model folder. */
export interface ModelSource {
  readonly name?: string;
  readonly ref?: ModelRef | string;
  readonly dir?: string;
  /** Version number given to a folder model (default 1). */
  readonly version?: number;
  /** Labels pointing at a folder model (e.g. ['production']). */
  readonly labels?: readonly string[];
}

interface ModelState {
  readonly versions: Map<number, Entry>;
  readonly labels: Map<string, number>;
}

/** Which version a request asks for. */
export interface VersionSelector {
  readonly version?: number;
  readonly label?: string;
  /** The request id: with a traffic plan, the same id always lands on the same side of a canary split. */
  readonly requestId?: string;
}

/** Options of the served set. */
export interface ModelSetOptions extends ServableLoadOptions {
  /** Called when a label moves or a reload fails (for logs). */
  readonly onEvent?: (e: ServingEvent) => void;
  /** Every routed request: which version answered and in which role (for per-role metrics). */
  readonly onRouted?: (model: string, version: number, role: TrafficRole) => void;
  /** Models whose alias may move to a version with a different input signature (default: refused, old one kept). */
  readonly allowSignatureChange?: (model: string) => boolean;
}

/** A label moved to another version, or a new version failed to load or its checks (and the old one stays served). */
export interface ServingEvent {
  readonly kind: 'swap' | 'load-failed' | 'plan';
  readonly model: string;
  readonly label?: string;
  readonly from?: number;
  readonly to?: number;
  readonly error?: string;
}

/** The models being served: versions, labels, hot swap, reference-counted retirement. */
export interface ModelSet {
  names(): string[];
  /** Versions loaded for a model, ascending, its labels, its traffic plan and the last version it refused (and why). */
  describe(name: string): {
    versions: number[];
    labels: Record<string, number>;
    plan?: TrafficPlan;
    refused?: { version: number; reason: string; at: number };
  };
  /**
   * Sets (or clears, with undefined) a model's traffic plan. Canary and shadow versions are loaded, signature-checked
   * and smoke-predicted before the plan takes effect; on failure nothing changes (SWAP_REFUSED / MODEL_LOAD_FAILED).
   */
  setPlan(name: string, plan: TrafficPlan | undefined): Promise<void>;
  plan(name: string): TrafficPlan | undefined;
  /** Runs `fn` with the selected servable, keeping it alive (not closed by a swap) until `fn` settles. */
  use<T>(name: string, sel: VersionSelector, fn: (s: Servable) => Promise<T>): Promise<T>;
  get(name: string, sel: VersionSelector): Servable;
  /** Re-resolves every alias reference and swaps in moved versions; returns how many swapped. */
  refresh(): Promise<number>;
  close(): Promise<void>;
}

/** The mutable state of one served set, shared by the steps below. */
interface SetState {
  readonly opts: ModelSetOptions;
  readonly models: Map<string, ModelState>;
  readonly aliasRefs: { name: string; alias: string; ref: ModelRef }[];
  readonly plans: Map<string, TrafficPlan>;
  readonly refused: Map<string, { version: number; reason: string; at: number }>;
  /** Versions that failed to load are not retried on every poll; they are tried again only after the alias moves away. */
  readonly failed: Map<string, number>;
  /** Labels being followed for the first time (see followAlias). */
  readonly following: Map<string, Promise<void>>;
  closed: boolean;
}

/** Loads every source fully before returning; a source that fails to load throws MODEL_LOAD_FAILED. */
export async function openModelSet(sources: readonly ModelSource[], opts: ModelSetOptions): Promise<ModelSet> {
  const st: SetState = {
    opts,
    models: new Map(),
    aliasRefs: [],
    plans: new Map(),
    refused: new Map(),
    failed: new Map(),
    following: new Map(),
    closed: false,
  };
  await loadSources(st, sources);
  return {
    names: () => [...st.models.keys()],
    describe: (name) => describeModel(st, name),
    get: (name, sel) => select(st, name, sel).servable,
    plan: (name) => st.plans.get(name),
    setPlan: (name, plan) => setPlan(st, name, plan),
    use: (name, sel, fn) => useServable(st, name, sel, fn),
    refresh: () => refreshAliases(st),
    close: () => closeAll(st),
  };
}

function state(st: SetState, name: string): ModelState {
  let s = st.models.get(name);
  if (!s) st.models.set(name, (s = { versions: new Map(), labels: new Map() }));
  return s;
}

function servedModel(st: SetState, name: string): ModelState {
  const s = st.models.get(name);
  if (!s)
    throw new SlipwayError(
      'SERVABLE_NOT_FOUND',
      `Model "${name}" is not served here; served models: ${[...st.models.keys()].join(', ') || 'none'}.`,
    );
  return s;
}

/** Loads folder sources and resolves registry references; on any failure closes what was loaded and throws. */
async function loadSources(st: SetState, sources: readonly ModelSource[]): Promise<void> {
  const { opts } = st;
  try {
    for (const src of sources) {
      if (src.dir) {
        const name = src.name ?? 'model';
        const version = src.version ?? 1;
        const s = state(st, name);
        const servable = await makeServable(opts, name, version, src.dir);
        s.versions.set(version, { servable, inflight: 0, retired: false, pinned: true });
        for (const l of src.labels ?? []) s.labels.set(l, version);
        continue;
      }
      if (!src.ref) throw new SlipwayError('MODEL_LOAD_FAILED', 'A served model needs a registry reference (ref) or a folder (dir).');
      if (!opts.registry)
        throw new SlipwayError(
          'MODEL_LOAD_FAILED',
          `Serving ${typeof src.ref === 'string' ? src.ref : formatModelRef(src.ref)} needs a workspace (registry); run inside one or serve a model folder.`,
        );
      const ref = typeof src.ref === 'string' ? parseModelRef(src.ref) : src.ref;
      const name = src.name ?? ref.name;
      const mv = await opts.registry.resolve(ref);
      const s = state(st, name);
      let entry = s.versions.get(mv.version);
      if (!entry) {
        entry = await loadFromRegistry(opts, ref, name, mv.version);
        s.versions.set(mv.version, entry);
      }
      if (ref.kind === 'version') entry.pinned = true;
      else {
        // An alias (or `latest`) becomes a label that follows the registry on every refresh.
        s.labels.set(ref.alias, mv.version);
        st.aliasRefs.push({ name, alias: ref.alias, ref });
      }
    }
  } catch (e) {
    for (const s of st.models.values()) for (const en of s.versions.values()) await closeEntry(en);
    throw e;
  }
}

/** A label nobody configured (e.g. `canary`) follows the registry alias of that name from its first request on. */
function followAlias(st: SetState, name: string, alias: string): Promise<void> {
  const { opts, following } = st;
  const key = `${name}:${alias}`;
  let p = following.get(key);
  if (!p) {
    p = (async () => {
      if (!opts.registry || !/^[A-Za-z][A-Za-z0-9._-]*$/.test(alias)) return;
      const ref = parseModelRef(`${name}:${alias}`);
      let mv;
      try {
        mv = await opts.registry.resolve(ref);
      } catch {
        return; // no such alias: select() answers SERVABLE_NOT_FOUND
      }
      const s = state(st, name);
      if (!s.versions.has(mv.version)) {
        const entry = await loadFromRegistry(opts, ref, name, mv.version);
        const stable = [...s.versions.values()][0]?.servable;
        try {
          await checkBeforeRouting(name, mv.version, entry.servable, stable, opts.allowSignatureChange?.(name));
        } catch (e) {
          st.refused.set(name, { version: mv.version, reason: (e as Error).message, at: Date.now() });
          await closeEntry(entry);
          throw e;
        }
        s.versions.set(mv.version, entry);
      }
      s.labels.set(alias, mv.version);
      st.aliasRefs.push({ name, alias, ref });
    })().finally(() => following.delete(key));
    following.set(key, p);
  }
  return p;
}

/** The entry a request goes to: an explicit version, the canary split of a traffic plan, a label, else production or the newest. */
function select(st: SetState, name: string, sel: VersionSelector): Entry {
  const s = servedModel(st, name);
  let v: number | undefined;
  const plan = st.plans.get(name);
  if (sel.version !== undefined) v = sel.version;
  else if (plan && sel.label === 'canary' && plan.canary && !s.labels.has('canary')) v = plan.canary.version;
  else if (
    plan?.canary &&
    (sel.label === undefined || sel.label === plan.stableLabel) &&
    // Without a request id there is nothing to stick to: a fair coin at the canary's weight.
    (sel.requestId === undefined ? Math.random() * 100 < plan.canary.weight : goesToCanary(sel.requestId, plan.canary.weight))
  )
    v = plan.canary.version;
  else if (sel.label !== undefined) {
    v = s.labels.get(sel.label);
    if (v === undefined)
      throw new SlipwayError(
        'SERVABLE_NOT_FOUND',
        `Model "${name}" has no label "${sel.label}"; labels: ${[...s.labels.keys()].join(', ') || 'none'}.`,
      );
  } else v = s.labels.get('production') ?? Math.max(...s.versions.keys());
  const e = s.versions.get(v);
  if (!e)
    throw new SlipwayError(
      'SERVABLE_NOT_FOUND',
      `Model "${name}" version ${v} is not served; versions: ${[...s.versions.keys()].join(', ')}.`,
    );
  return e;
}

function describeModel(st: SetState, name: string): ReturnType<ModelSet['describe']> {
  const s = servedModel(st, name);
  const plan = st.plans.get(name);
  const why = st.refused.get(name);
  return {
    versions: [...s.versions.keys()].sort((a, b) => a - b),
    labels: Object.fromEntries(s.labels),
    ...(plan ? { plan } : {}),
    ...(why ? { refused: why } : {}),
  };
}

async function setPlan(st: SetState, name: string, plan: TrafficPlan | undefined): Promise<void> {
  const { opts, plans } = st;
  const s = servedModel(st, name);
  const before = plans.get(name);
  if (plan) {
    const stableVersion = s.labels.get(plan.stableLabel);
    const stable = stableVersion === undefined ? undefined : s.versions.get(stableVersion)?.servable;
    for (const v of [plan.canary?.version, plan.shadow?.version]) {
      if (v === undefined || s.versions.has(v)) continue;
      const entry = await loadFromRegistry(opts, versionRef(name, v), name, v);
      try {
        await checkBeforeRouting(name, v, entry.servable, stable, plan.allowSignatureChange);
      } catch (e) {
        st.refused.set(name, { version: v, reason: (e as Error).message, at: Date.now() });
        opts.onEvent?.({ kind: 'load-failed', model: name, to: v, error: (e as Error).message });
        await closeEntry(entry);
        throw e;
      }
      s.versions.set(v, entry);
    }
    plans.set(name, plan);
  } else plans.delete(name);
  opts.onEvent?.({ kind: 'plan', model: name, ...(plan?.canary ? { to: plan.canary.version } : {}) });
  // Versions only the old plan used (and no label) are retired once their in-flight requests finish.
  const keep = new Set([...s.labels.values(), plan?.canary?.version, plan?.shadow?.version]);
  for (const v of [before?.canary?.version, before?.shadow?.version]) {
    if (v === undefined || keep.has(v)) continue;
    const old = s.versions.get(v);
    if (old && !old.pinned) {
      s.versions.delete(v);
      retire(old);
    }
  }
}

async function useServable<T>(st: SetState, name: string, sel: VersionSelector, fn: (s: Servable) => Promise<T>): Promise<T> {
  const { opts, plans } = st;
  const known = st.models.get(name);
  if (known && sel.label !== undefined && !known.labels.has(sel.label) && !(sel.label === 'canary' && plans.get(name)?.canary))
    await followAlias(st, name, sel.label);
  const e = select(st, name, sel);
  const plan = plans.get(name);
  if (opts.onRouted) {
    const v = e.servable.version;
    const role: TrafficRole = sel.requestId?.endsWith(SHADOW_SUFFIX)
      ? 'shadow'
      : sel.version !== undefined
        ? 'direct'
        : plan?.canary?.version === v
          ? 'canary'
          : 'stable';
    opts.onRouted(name, v, role);
  }
  e.inflight++;
  try {
    return await fn(e.servable);
  } finally {
    e.inflight--;
    if (e.retired && e.inflight === 0) void closeEntry(e);
  }
}

/** Re-resolves every followed alias; returns how many labels moved. */
async function refreshAliases(st: SetState): Promise<number> {
  const { opts, failed, refused } = st;
  let swapped = 0;
  for (const a of st.aliasRefs) {
    if (st.closed) break;
    const s = state(st, a.name);
    const current = s.labels.get(a.alias);
    let target: number;
    try {
      target = (await opts.registry!.resolve(a.ref)).version;
    } catch (e) {
      opts.onEvent?.({ kind: 'load-failed', model: a.name, label: a.alias, error: (e as Error).message });
      continue;
    }
    const key = `${a.name}:${a.alias}`;
    if (target === current) continue;
    if (failed.get(key) === target) continue;
    failed.delete(key);
    let entry = s.versions.get(target);
    if (!entry) {
      try {
        // Load fully first; the running version keeps serving until the new one is ready, and stays if it fails.
        entry = await loadFromRegistry(opts, a.ref, a.name, target);
      } catch (e) {
        failed.set(key, target);
        refused.set(a.name, { version: target, reason: (e as Error).message, at: Date.now() });
        opts.onEvent?.({ kind: 'load-failed', model: a.name, label: a.alias, from: current, to: target, error: (e as Error).message });
        continue;
      }
      const served = current === undefined ? undefined : s.versions.get(current)?.servable;
      try {
        // Signature and a smoke prediction before any request reaches it (a canary already passed these).
        await checkBeforeRouting(a.name, target, entry.servable, served, opts.allowSignatureChange?.(a.name));
      } catch (e) {
        failed.set(key, target);
        refused.set(a.name, { version: target, reason: (e as Error).message, at: Date.now() });
        opts.onEvent?.({ kind: 'load-failed', model: a.name, label: a.alias, from: current, to: target, error: (e as Error).message });
        await closeEntry(entry);
        continue;
      }
      if (st.closed) {
        await closeEntry(entry);
        break;
      }
      s.versions.set(target, entry);
    }
    s.labels.set(a.alias, target);
    swapped++;
    opts.onEvent?.({ kind: 'swap', model: a.name, label: a.alias, from: current, to: target });
    const planned = st.plans.get(a.name);
    if (current !== undefined && ![...s.labels.values(), planned?.canary?.version, planned?.shadow?.version].includes(current)) {
      const old = s.versions.get(current);
      if (old && !old.pinned) {
        s.versions.delete(current);
        retire(old);
      }
    }
  }
  return swapped;
}

async function closeAll(st: SetState): Promise<void> {
  st.closed = true;
  const idle: Promise<void>[] = [];
  for (const s of st.models.values())
    for (const e of s.versions.values()) {
      e.retired = true;
      if (e.inflight === 0) idle.push(closeEntry(e));
    }
  await Promise.all(idle);
}
