import { rmSync } from 'node:fs';
import type { Signature } from '../engine/signature.js';
import { SlipwayError } from '../errors/index.js';
import { formatModelRef, versionRef, type ModelRef } from '../registry/index.js';
import { loadModelRuntime, type LoadRuntimeOptions, type ModelRuntime, type TensorData } from '../runtime/index.js';
import { batchingPredict, type BatchingOptions, type BatchObserver } from './batcher.js';
import { ownedTempDir } from './owned-temp-dir.js';
import type { RegistrySource } from './registry-source.js';
import { SERVING_DEFAULTS } from './serving-defaults.js';

/** How a served version is loaded: where registry versions come from, runtime options, dynamic batching. */
export interface ServableLoadOptions {
  readonly registry?: RegistrySource;
  readonly batching?: BatchingOptions;
  /** Runtime loading options (e.g. the inline-vs-worker threshold of engine models). */
  readonly runtime?: LoadRuntimeOptions;
  readonly observer?: (model: string) => BatchObserver;
}

/** A loaded model version ready to take requests. */
export interface Servable {
  readonly name: string;
  readonly version: number;
  readonly signature: Signature;
  readonly runtime: ModelRuntime;
  /** The model folder it was loaded from (read by `:explain` for the engine's gradients). */
  readonly dir?: string;
  /** The runtime's format. */
  readonly format?: 'slipway' | 'onnx';
  predict(inputs: Readonly<Record<string, TensorData>>): Promise<Record<string, TensorData>>;
}

/** A loaded version in a served set: requests in flight, and whether a swap retired it or a reference pins it. */
export interface ServableEntry {
  readonly servable: Servable;
  inflight: number;
  retired: boolean;
  pinned: boolean;
  readonly cleanup?: () => void;
}

/** Loads a model folder as a servable, behind dynamic batching when it is on and every input has a batch dimension. */
export async function makeServable(opts: ServableLoadOptions, name: string, version: number, dir: string): Promise<Servable> {
  const runtime = await loadModelRuntime(dir, {
    kernelThreads: SERVING_DEFAULTS.kernelThreads,
    onnxWorkers: SERVING_DEFAULTS.onnxWorkers,
    ...opts.runtime,
  });
  const predict =
    opts.batching && opts.batching.maxBatchSize > 1 && runtime.signature.inputs.every((t) => t.shape[0] === -1)
      ? batchingPredict(runtime, opts.batching, opts.observer?.(name))
      : (inputs: Readonly<Record<string, TensorData>>) => runtime.predict(inputs);
  return { name, version, signature: runtime.signature, runtime, predict, dir, format: runtime.format };
}

/** Checks a registry version out into a temp folder owned by this process and loads it (the folder goes with it). */
export async function loadFromRegistry(opts: ServableLoadOptions, ref: ModelRef, name: string, version: number): Promise<ServableEntry> {
  if (!opts.registry)
    throw new SlipwayError(
      'MODEL_LOAD_FAILED',
      `Serving ${formatModelRef(ref)} needs a workspace (registry); run inside one or serve a model folder.`,
    );
  // Named after this process: a server that dies without cleaning up has its checkouts swept by the next one.
  const dir = ownedTempDir(`${name}-${version}`);
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    await opts.registry.checkout(versionRef(ref.name, version), dir);
    return { servable: await makeServable(opts, name, version, dir), inflight: 0, retired: false, pinned: false, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}

/** Marks an entry retired; it closes now if idle, else when its last request finishes. */
export function retire(entry: ServableEntry): void {
  entry.retired = true;
  if (entry.inflight === 0) void closeEntry(entry);
}

/** Closes the entry's runtime and removes its checkout. */
export async function closeEntry(entry: ServableEntry): Promise<void> {
  await entry.servable.runtime.close().catch(() => undefined);
  entry.cleanup?.();
}
