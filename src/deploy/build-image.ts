import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SERVE_NODE_FLAGS } from '../config/index.js';
import { SlipwayError } from '../errors/index.js';
import { APP_DIR, appEntries, type AppSource } from './app-files.js';
import type { BaseImage } from './base-image.js';
import { hostPlatform } from './base-image.js';
import { BlobDir } from './blob-dir.js';
import { IMAGE_UID } from './host-base.js';
import { buildLayer, withParentDirs } from './layer-builder.js';
import { MEDIA, type Descriptor, type ImageConfig, type ImageManifest, type Layer } from './oci-types.js';
import type { TarEntry } from './tar-writer.js';

/** Ports the model server listens on in the image: gRPC and REST, as TF Serving. */
export const GRPC_PORT = 8500;
export const REST_PORT = 8501;
/** The readiness endpoint (Open Inference Protocol v2). */
export const READY_PATH = '/v2/health/ready';
export const LIVE_PATH = '/v2/health/live';
/** Label prefix for Slipway's own labels. */
export const LABEL_PREFIX = 'dev.slipway';

/** The model version an image serves: its files (checked out in `dir`) and registry facts. */
export interface ImageModel {
  readonly name: string;
  readonly version: number;
  /** The version's tree hash in the store (its content digest). */
  readonly treeHash: string;
  readonly format: string;
  readonly dir: string;
  /** Registration time (ms): the image's `created` time, so rebuilding the same version gives the same digest. */
  readonly createdAt: number;
  /** Commit of the code that trained it, when known. */
  readonly revision?: string;
}

/** Everything a build needs. */
export interface BuildImageOptions {
  readonly model: ImageModel;
  readonly app: AppSource;
  readonly base: BaseImage;
  /** Folder of cached blobs and layer keys (e.g. ~/.cache/slipway/oci). */
  readonly cacheDir: string;
}

/** The app's version and repository URL from its package.json (for the version and source labels). */
function appPackage(root: string): { version?: string; sourceUrl?: string } {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string; repository?: string | { url?: string } };
  return { version: pkg.version, sourceUrl: typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url };
}

/** One layer in the build report. */
export interface LayerReport {
  readonly role: string;
  readonly digest: string;
  readonly size: number;
  readonly cached: boolean;
}

/** A built image: manifest and config blobs live in `blobs`, base layers in the base's folder. */
export interface BuiltImage {
  readonly manifest: ImageManifest;
  readonly manifestBytes: Buffer;
  readonly manifestDescriptor: Descriptor;
  readonly configBytes: Buffer;
  readonly config: ImageConfig;
  readonly layers: readonly Layer[];
  /** Where each blob can be read from, first match wins. */
  readonly sources: readonly BlobDir[];
  readonly report: readonly LayerReport[];
}

/** Where the bundled model lives in the image. */
export function modelPath(name: string): string {
  return `/models/${name}`;
}

/** The model layer: the version's files under /models/<name>, plus slipway-model.json (name, version, digest, file hashes). */
export function modelEntries(m: ImageModel): TarEntry[] {
  const out: TarEntry[] = [];
  const files: Record<string, string> = {};
  const prefix = modelPath(m.name).slice(1);
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const st = statSync(full);
      const rel = relative(m.dir, full).split('\\').join('/');
      if (rel === 'slipway-model.json') continue;
      if (st.isDirectory()) {
        out.push({ path: `${prefix}/${rel}`, type: 'dir', mode: 0o755 });
        walk(full);
      } else if (st.isFile()) {
        files[rel] = `sha256:${createHash('sha256').update(readFileSync(full)).digest('hex')}`;
        out.push({ path: `${prefix}/${rel}`, type: 'file', mode: 0o644, size: st.size, source: full });
      }
    }
  };
  walk(m.dir);
  if (Object.keys(files).length === 0)
    throw new SlipwayError('MODEL_FORMAT_INVALID', `model ${m.name}@${m.version} has no files to bundle`, { model: m.name });
  const meta = Buffer.from(
    `${JSON.stringify({ name: m.name, version: m.version, digest: `sha256:${m.treeHash}`, format: m.format, files }, null, 2)}\n`,
  );
  out.push({ path: `${prefix}/slipway-model.json`, type: 'file', mode: 0o644, size: meta.length, source: meta });
  return out;
}

/** What any image of the model server sets, whichever way it is built (this builder or the Dockerfile). */
export interface ServerRuntime {
  readonly user: string;
  readonly workdir: string;
  readonly env: readonly string[];
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** org.opencontainers.image.* (without created/base) and dev.slipway.* labels. */
  readonly labels: Readonly<Record<string, string>>;
}

/** The runtime settings of an image serving `model` (shared by buildImage and renderDockerfile). */
export function serverRuntime(model: Pick<ImageModel, 'name' | 'version' | 'treeHash' | 'revision'>, appRoot: string): ServerRuntime {
  const pkg = appPackage(appRoot);
  return {
    user: `${IMAGE_UID}:${IMAGE_UID}`,
    workdir: `/${APP_DIR}`,
    // HOME=/tmp: the root filesystem is read-only in the Kubernetes manifests; /tmp is the writable emptyDir.
    env: ['NODE_ENV=production', 'HOME=/tmp', 'SLIPWAY_NO_PROGRESS=1'],
    entrypoint: ['node', ...SERVE_NODE_FLAGS, `/${APP_DIR}/bin/slipway.js`, 'serve', modelPath(model.name), '--host', '0.0.0.0'],
    // The image has no database, so it only answers predictions, health and metrics; --insecure lets it listen
    // beyond loopback without a token. To require one, set SLIPWAY_TOKEN and override the args (Cmd) with [].
    cmd: ['--insecure'],
    labels: {
      'org.opencontainers.image.title': model.name,
      'org.opencontainers.image.description': `Slipway model server for ${model.name}@${model.version}`,
      'org.opencontainers.image.version': String(model.version),
      ...(pkg.sourceUrl ? { 'org.opencontainers.image.source': pkg.sourceUrl } : {}),
      ...(model.revision ? { 'org.opencontainers.image.revision': model.revision } : {}),
      [`${LABEL_PREFIX}.model.name`]: model.name,
      [`${LABEL_PREFIX}.model.version`]: String(model.version),
      [`${LABEL_PREFIX}.model.digest`]: `sha256:${model.treeHash}`,
      [`${LABEL_PREFIX}.healthcheck`]: `GET http://127.0.0.1:${REST_PORT}${READY_PATH}`,
      ...(pkg.version ? { [`${LABEL_PREFIX}.version`]: pkg.version } : {}),
    },
  };
}

/** The image config: the base's, with the user, workdir, entrypoint, ports, env and labels of a served model. */
export function imageConfig(opts: BuildImageOptions, layers: readonly Layer[]): ImageConfig {
  const { model, base } = opts;
  const rt = serverRuntime(model, opts.app.root);
  const created = new Date(model.createdAt).toISOString();
  const env = (base.config.config?.Env ?? []).filter((e) => !/^(NODE_ENV|HOME|SLIPWAY_NO_PROGRESS)=/.test(e));
  if (!env.some((e) => e.startsWith('PATH='))) env.push('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  env.push(...rt.env);
  const labels: Record<string, string> = {
    ...(base.config.config?.Labels ?? {}),
    ...rt.labels,
    'org.opencontainers.image.created': created,
    'org.opencontainers.image.base.name': base.source,
    'org.opencontainers.image.base.digest': base.manifestDigest,
  };
  const platform = hostPlatform();
  return {
    architecture: platform.architecture,
    os: platform.os,
    created,
    config: {
      User: rt.user,
      Env: env,
      Entrypoint: [...rt.entrypoint],
      Cmd: [...rt.cmd],
      WorkingDir: rt.workdir,
      ExposedPorts: { [`${GRPC_PORT}/tcp`]: {}, [`${REST_PORT}/tcp`]: {} },
      Labels: labels,
      StopSignal: 'SIGTERM',
    },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: [
      ...(base.config.history ?? []).map((h) => ({ ...h })),
      { created, created_by: `slipway build image: app (${APP_DIR}/dist, production node_modules)`, comment: 'app' },
      { created, created_by: `slipway build image: model ${model.name}@${model.version}`, comment: 'model' },
    ],
  };
}

/** Builds the app and model layers over the base and writes the config and manifest blobs into the cache. */
export async function buildImage(opts: BuildImageOptions): Promise<BuiltImage> {
  const cache = new BlobDir(opts.cacheDir);
  const keys = join(opts.cacheDir, 'layer-keys');
  const app = await buildLayer(withParentDirs(appEntries(opts.app)), cache, 'app', keys);
  // The model layer is not keyed: it is small, and always rebuilt from the checked-out files.
  const model = await buildLayer(withParentDirs(modelEntries(opts.model)), cache, 'model');
  const layers = [...opts.base.layers, app.layer, model.layer];
  const config = imageConfig(opts, layers);
  const configBytes = Buffer.from(JSON.stringify(config));
  const { descriptor: configDesc } = cache.put(configBytes, MEDIA.ociConfig);
  const labels = config.config.Labels ?? {};
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: configDesc,
    layers: layers.map((l) => l.descriptor),
    annotations: Object.fromEntries(Object.entries(labels).filter(([k]) => k.startsWith('org.opencontainers.image.'))),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const { descriptor: manifestDescriptor } = cache.put(manifestBytes, MEDIA.ociManifest);
  return {
    manifest,
    manifestBytes,
    manifestDescriptor,
    configBytes,
    config,
    layers,
    sources: [cache, opts.base.blobs],
    report: [
      ...opts.base.layers.map((l) => ({ role: 'base', digest: l.descriptor.digest, size: l.descriptor.size, cached: true })),
      { role: 'app', digest: app.layer.descriptor.digest, size: app.layer.descriptor.size, cached: app.cached },
      { role: 'model', digest: model.layer.descriptor.digest, size: model.layer.descriptor.size, cached: false },
    ],
  };
}

/** The folder a blob of `image` is in. */
export function blobSource(image: BuiltImage, digest: string): BlobDir {
  const s = image.sources.find((b) => b.has(digest));
  if (!s)
    throw new SlipwayError('IMAGE_BASE_INVALID', `blob ${digest} of the image is missing from the build cache; build again`, { digest });
  return s;
}
