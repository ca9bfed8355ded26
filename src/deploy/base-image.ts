import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SlipwayError, isSlipwayError } from '../errors/index.js';
import { BlobDir } from './blob-dir.js';
import { formatImageRef, parseImageRef } from './image-ref.js';
import {
  isIndexType,
  isManifestType,
  MEDIA,
  type Descriptor,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  type Layer,
} from './oci-types.js';
import { RegistryClient, type RegistryClientOptions } from './registry-client.js';

/** A base image ready to build on: its layers, its config, and where its blobs are. */
export interface BaseImage {
  /** What `--base` said, for labels and history. */
  readonly source: string;
  readonly manifestDigest: string;
  readonly layers: readonly Layer[];
  readonly config: ImageConfig;
  /** The folder holding the base's blobs (an OCI layout, or the pull cache). */
  readonly blobs: BlobDir;
}

/** The platform an image is built for (the host's: the app layer carries the host's native addons). */
export function hostPlatform(): { os: string; architecture: string } {
  const arch = ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[process.arch];
  return { os: 'linux', architecture: arch ?? process.arch };
}

function baseInvalid(source: string, why: string): SlipwayError {
  return new SlipwayError('IMAGE_BASE_INVALID', `base image ${source} cannot be used: ${why}`, { base: source });
}

/** Picks the host platform's manifest from an index. */
function pickPlatform(index: ImageIndex, source: string): Descriptor {
  const want = hostPlatform();
  const m = index.manifests.find(
    (d) => isManifestType(d.mediaType) && d.platform?.os === want.os && d.platform.architecture === want.architecture,
  );
  if (!m) throw baseInvalid(source, `its index has no ${want.os}/${want.architecture} manifest`);
  return m;
}

/** Turns a manifest and config into base layers; Docker layer media types become their OCI equivalents (same bytes). */
function toBase(source: string, manifestDigest: string, manifest: ImageManifest, config: ImageConfig, blobs: BlobDir): BaseImage {
  if (config.rootfs?.diff_ids?.length !== manifest.layers.length)
    throw baseInvalid(source, 'its config lists a different number of layers than its manifest');
  const layers = manifest.layers.map((d, i): Layer => {
    const mediaType = d.mediaType === MEDIA.dockerLayerGzip ? MEDIA.ociLayerGzip : d.mediaType;
    if (mediaType !== MEDIA.ociLayerGzip && mediaType !== MEDIA.ociLayerTar)
      throw baseInvalid(source, `layer media type ${d.mediaType} is not supported (gzip or plain tar only)`);
    return { descriptor: { mediaType, digest: d.digest, size: d.size }, diffId: config.rootfs.diff_ids[i]!, role: 'base' };
  });
  if (config.os !== 'linux') throw baseInvalid(source, `it is a ${config.os} image`);
  return { source, manifestDigest, layers, config, blobs };
}

/** Reads a base from a local OCI layout: `DIR` or `DIR:TAG` (the tag is the `org.opencontainers.image.ref.name` annotation). */
export function loadLayoutBase(spec: string): BaseImage {
  const m = /^(.*?)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?$/.exec(spec)!;
  const dir = resolve(m[1]!);
  const tag = m[2];
  const source = `oci:${spec}`;
  if (!existsSync(`${dir}/index.json`) || !existsSync(`${dir}/oci-layout`))
    throw new SlipwayError(
      'IMAGE_BASE_NOT_FOUND',
      `no OCI layout at ${dir} (index.json and oci-layout are missing); build one or pass a registry reference`,
      { base: source },
    );
  const blobs = new BlobDir(dir);
  const readJson = <T>(d: Descriptor): T => {
    if (!blobs.has(d.digest)) throw baseInvalid(source, `blob ${d.digest} is missing from ${dir}`);
    return JSON.parse(blobs.read(d.digest).toString('utf8')) as T;
  };
  let index: ImageIndex;
  try {
    index = JSON.parse(readFileSync(`${dir}/index.json`, 'utf8')) as ImageIndex;
  } catch (e) {
    throw baseInvalid(source, `index.json is unreadable (${(e as Error).message})`);
  }
  const candidates = (index.manifests ?? []).filter(
    (d) => tag === undefined || d.annotations?.['org.opencontainers.image.ref.name'] === tag,
  );
  if (candidates.length === 0)
    throw new SlipwayError('IMAGE_BASE_NOT_FOUND', `the OCI layout at ${dir} has no image tagged "${tag}"`, { base: source });
  if (candidates.length > 1) throw baseInvalid(source, `it holds ${candidates.length} images; name one as oci:DIR:TAG`);
  let desc = candidates[0]!;
  if (isIndexType(desc.mediaType)) desc = pickPlatform(readJson<ImageIndex>(desc), source);
  if (!isManifestType(desc.mediaType)) throw baseInvalid(source, `${desc.mediaType} is not an image manifest`);
  const manifest = readJson<ImageManifest>(desc);
  const config = readJson<ImageConfig>(manifest.config);
  for (const l of manifest.layers) if (!blobs.has(l.digest)) throw baseInvalid(source, `layer ${l.digest} is missing from ${dir}`);
  return toBase(source, desc.digest, manifest, config, blobs);
}

/** Pulls a base image from a registry into the blob cache (blobs already cached are not downloaded again). */
export async function pullBase(
  ref: string,
  cache: BlobDir,
  opts: RegistryClientOptions = {},
): Promise<BaseImage & { readonly pulledBytes: number }> {
  const r = parseImageRef(ref);
  const client = new RegistryClient(r.registry, opts);
  const source = formatImageRef(r);
  try {
    let fetched = await client.getManifest(r.repository, r.digest ?? r.tag ?? 'latest');
    if (isIndexType(fetched.mediaType)) {
      const d = pickPlatform(JSON.parse(fetched.bytes.toString('utf8')) as ImageIndex, source);
      fetched = await client.getManifest(r.repository, d.digest);
    }
    if (!isManifestType(fetched.mediaType)) throw baseInvalid(source, `${fetched.mediaType} is not an image manifest`);
    const manifest = JSON.parse(fetched.bytes.toString('utf8')) as ImageManifest;
    let pulledBytes = await client.pullBlob(r.repository, manifest.config.digest, cache);
    const config = JSON.parse(cache.read(manifest.config.digest).toString('utf8')) as ImageConfig;
    for (const l of manifest.layers) pulledBytes += await client.pullBlob(r.repository, l.digest, cache);
    return { ...toBase(source, fetched.digest, manifest, config, cache), pulledBytes };
  } catch (e) {
    if (isSlipwayError(e, 'REGISTRY_NOT_FOUND'))
      throw new SlipwayError(
        'IMAGE_BASE_NOT_FOUND',
        `base image ${source} was not found in its registry; check the name and tag`,
        { base: source },
        { cause: e },
      );
    throw e;
  }
}

/** Loads `--base`: `oci:DIR[:TAG]` reads a local layout; anything else is a registry reference pulled into `cache`. */
export async function loadBase(spec: string, cache: BlobDir, opts: RegistryClientOptions = {}): Promise<BaseImage> {
  if (spec.startsWith('oci:')) return loadLayoutBase(spec.slice(4));
  return pullBase(spec, cache, opts);
}
