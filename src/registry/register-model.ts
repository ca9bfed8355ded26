import { statSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Db } from '../meta/index.js';
import type { ObjectStore, TreeEntry } from '../store/index.js';
import { listFiles, putTree, readTree, withWriteLock } from '../store/index.js';
import { SlipwayError } from '../errors/index.js';
import type { Signature } from '../engine/signature.js';
import { isModelName } from './model-ref.js';
import { latestVersionNumber, insertVersion } from './model-repository.js';
import { readFolderSignature, readOnnxSignature, validateSignature } from './read-signature.js';
import { readRunSource } from './run-source.js';
import type { Lineage, LineageDataset, ModelFormat, ModelVersion } from './types.js';

/** A pipeline stage's stored output (see pipeline's stageOutputSource): the tree, the stage run, the data upstream. */
export interface StageSource {
  readonly stage: string;
  readonly path: string;
  readonly hash: string;
  readonly type: 'file' | 'dir';
  readonly runId: string | null;
  readonly datasets: readonly LineageDataset[];
}

/** What to register: a run's `model` artifact, a pipeline stage's output, or a model folder / ONNX file on disk. */
export interface RegisterModelOptions {
  readonly name: string;
  readonly from: { readonly runId: string } | { readonly path: string } | { readonly stage: StageSource };
  /** Checked against what the artifact holds; detected when omitted. */
  readonly format?: ModelFormat;
  readonly description?: string;
  /** Merged over the run's latest metrics. */
  readonly metrics?: Readonly<Record<string, number>>;
  /** Merged over the run's params. */
  readonly params?: Readonly<Record<string, string | number | boolean>>;
  /** The same metrics by the file each came from (a pipeline's metrics files), kept in the lineage. */
  readonly metricsFiles?: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

interface Artifact {
  entries: TreeEntry[];
  format: ModelFormat;
  signature: Signature;
}

/** Registers a new version of `name` (created on first use) and returns it; the version number is assigned in a transaction. */
export async function registerModel(db: Db, store: ObjectStore, opts: RegisterModelOptions): Promise<ModelVersion> {
  // The store's writer lock spans storing the objects and committing the version, so a concurrent gc cannot drop them.
  return withWriteLock(store, () => registerModelLocked(db, store, opts));
}

async function registerModelLocked(db: Db, store: ObjectStore, opts: RegisterModelOptions): Promise<ModelVersion> {
  if (!isModelName(opts.name))
    throw new SlipwayError('MODEL_REF_INVALID', `"${opts.name}" is not a valid model name (letters, digits, . _ -)`, { name: opts.name });
  let art: Artifact;
  let lineage: Omit<Lineage, 'parent'>;
  let metrics: Record<string, number> = {};
  let params: Record<string, string> = {};
  let runId: string | null = null;
  if ('runId' in opts.from) {
    const run = await readRunSource(db, opts.from.runId);
    const a = run.artifacts.find((x) => x.path === 'model' && x.kind === 'tree');
    if (!a)
      throw new SlipwayError(
        'MODEL_SOURCE_INVALID',
        `run ${run.id} has no folder artifact named "model" (it has: ${run.artifacts.map((x) => x.path).join(', ') || 'none'}); log it with run.logArtifact(dir, 'model')`,
        { runId: run.id },
      );
    art = await artifactFromTree(store, [...readTree(store, a.hash).entries], `run ${run.id} artifact "model"`, opts.format);
    runId = run.id;
    metrics = { ...run.metrics };
    params = { ...run.params };
    lineage = {
      source: 'run',
      run: { id: run.id, experiment: run.experiment, commit: run.code.commit, dirty: run.code.dirty },
      datasets: run.inputs.map((i) => ({ dataset: i.dataset, version: i.version, treeHash: i.treeHash })),
    };
  } else if ('stage' in opts.from) {
    const src = opts.from.stage;
    const entries: TreeEntry[] =
      src.type === 'dir'
        ? [...readTree(store, src.hash).entries]
        : [{ path: src.path.split('/').pop()!, hash: src.hash, size: store.getBytes(src.hash).length, mode: 0o644 }];
    art = await artifactFromTree(store, entries, `stage "${src.stage}" output "${src.path}"`, opts.format);
    // The stage run carries the code version; the data is what the stage and its upstream stages read.
    const run = src.runId ? await readRunSource(db, src.runId) : null;
    runId = run?.id ?? null;
    if (run) params = { ...run.params };
    lineage = {
      source: 'stage',
      stage: src.stage,
      path: src.path,
      ...(run ? { run: { id: run.id, experiment: run.experiment, commit: run.code.commit, dirty: run.code.dirty } } : {}),
      datasets: mergeDatasets(src.datasets, run?.inputs ?? []),
    };
  } else {
    const path = resolve(opts.from.path);
    art = await artifactFromPath(store, path, opts.format);
    lineage = { source: 'path', path, datasets: [] };
  }
  Object.assign(metrics, opts.metrics ?? {});
  for (const [k, v] of Object.entries(opts.params ?? {})) params[k] = String(v);
  const sigBytes = `${JSON.stringify(art.signature, null, 2)}\n`;
  const entries = art.entries.filter((e) => e.path !== 'signature.json');
  entries.push({ path: 'signature.json', hash: store.putBytes(sigBytes), size: Buffer.byteLength(sigBytes), mode: 0o644 });
  const treeHash = putTree(store, entries);
  return insertWithNextVersion(db, opts.name, opts.description ?? null, (version, parent) => ({
    name: opts.name,
    version,
    treeHash,
    format: art.format,
    signature: art.signature,
    metrics,
    params,
    runId,
    lineage: { ...lineage, ...(opts.metricsFiles ? { metricsFiles: opts.metricsFiles } : {}), parent },
    description: opts.description ?? null,
    createdAt: Date.now(),
  }));
}

function mergeDatasets(a: readonly LineageDataset[], b: readonly LineageDataset[]): LineageDataset[] {
  const out = new Map<string, LineageDataset>();
  for (const d of [...a, ...b]) out.set(`${d.dataset}@${d.version}`, { dataset: d.dataset, version: d.version, treeHash: d.treeHash });
  return [...out.values()];
}

async function insertWithNextVersion(
  db: Db,
  name: string,
  description: string | null,
  build: (version: number, parent: number | null) => ModelVersion,
): Promise<ModelVersion> {
  // SQLite serialises writers (BEGIN IMMEDIATE); on PostgreSQL two writers may pick the same number: retry on the key clash.
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.tx(async (t) => {
        await t.run(`INSERT INTO models (name, description, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`, [
          name,
          description,
          Date.now(),
        ]);
        const latest = await latestVersionNumber(t, name);
        const mv = build((latest ?? 0) + 1, latest);
        await insertVersion(t, mv);
        return mv;
      });
    } catch (e) {
      const msg = (e as Error).message ?? '';
      if (attempt < 5 && /unique|duplicate key/i.test(msg)) continue;
      throw e;
    }
  }
}

async function artifactFromPath(store: ObjectStore, path: string, format: ModelFormat | undefined): Promise<Artifact> {
  if (!existsSync(path))
    throw new SlipwayError('MODEL_SOURCE_INVALID', `${path} does not exist; give a model folder, an .onnx file or a run id`, { path });
  if (statSync(path).isFile()) {
    if (!path.endsWith('.onnx') && format !== 'onnx')
      throw new SlipwayError('MODEL_FORMAT_INVALID', `${path} is a file but not an .onnx model; give a model folder or an ONNX file`, {
        path,
      });
    if (format === 'slipway')
      throw new SlipwayError('MODEL_FORMAT_INVALID', `${path} is an ONNX file; use --format onnx (or leave it out)`, { path });
    const { hash, size } = await store.putFile(path);
    return { entries: [{ path: 'model.onnx', hash, size, mode: 0o644 }], format: 'onnx', signature: await readOnnxSignature(path) };
  }
  const files = listFiles(path);
  const detected = detectFormat(files, path);
  if (format && format !== detected)
    throw new SlipwayError('MODEL_FORMAT_INVALID', `${path} holds a ${detected} model, not ${format}; fix --format or leave it out`, {
      path,
    });
  const onnxName = detected === 'onnx' ? onnxFile(files, path) : null;
  const entries: TreeEntry[] = [];
  for (const rel of files) {
    const full = join(path, ...rel.split('/'));
    const { hash, size } = await store.putFile(full);
    const mode = statSync(full).mode & 0o111 ? 0o755 : 0o644;
    // Serving finds ONNX models at model.onnx, so the file is stored under that name whatever it was called.
    entries.push({ path: rel === onnxName ? 'model.onnx' : rel, hash, size, mode });
  }
  const signature = onnxName ? await readOnnxSignature(join(path, onnxName)) : readFolderSignature(path);
  return { entries, format: detected, signature };
}

async function artifactFromTree(
  store: ObjectStore,
  entries: TreeEntry[],
  source: string,
  format: ModelFormat | undefined,
): Promise<Artifact> {
  const detected = detectFormat(
    entries.map((e) => e.path),
    source,
  );
  if (format && format !== detected)
    throw new SlipwayError('MODEL_FORMAT_INVALID', `${source} holds a ${detected} model, not ${format}; fix --format or leave it out`, {
      source,
    });
  const read = (p: string): Buffer | null => {
    const e = entries.find((x) => x.path === p);
    return e ? store.getBytes(e.hash) : null;
  };
  if (detected === 'onnx') {
    const name = onnxFile(
      entries.map((e) => e.path),
      source,
    );
    const renamed = entries.map((e) => (e.path === name ? { ...e, path: 'model.onnx' } : e));
    return { entries: renamed, format: 'onnx', signature: await readOnnxSignature(read(name)!) };
  }
  const sig = read('signature.json');
  const parsed: unknown = sig
    ? JSON.parse(sig.toString('utf8'))
    : (JSON.parse(read('model.json')!.toString('utf8')) as { signature?: unknown }).signature;
  return { entries, format: 'slipway', signature: validateSignature(parsed, source) };
}

function detectFormat(files: readonly string[], source: string): ModelFormat {
  if (files.includes('model.json')) {
    if (!files.includes('weights.bin'))
      throw new SlipwayError('MODEL_FORMAT_INVALID', `${source} has model.json but no weights.bin; save the model with saveModel()`, {
        source,
      });
    return 'slipway';
  }
  if (files.some((f) => f.endsWith('.onnx'))) return 'onnx';
  throw new SlipwayError(
    'MODEL_FORMAT_INVALID',
    `${source} holds neither model.json + weights.bin (engine format) nor an .onnx file (files: ${files.slice(0, 8).join(', ') || 'none'})`,
    { source },
  );
}

function onnxFile(files: readonly string[], source: string): string {
  if (files.includes('model.onnx')) return 'model.onnx';
  const onnx = files.filter((f) => f.endsWith('.onnx'));
  if (onnx.length !== 1)
    throw new SlipwayError('MODEL_FORMAT_INVALID', `${source} holds ${onnx.length} .onnx files; keep one (or name it model.onnx)`, {
      source,
    });
  return onnx[0]!;
}
