import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { SlipwayError } from '../errors/index.js';
import { writeFileAtomic } from '../store/index.js';
import { BlobDir, digestHex } from './blob-dir.js';
import type { BuiltImage } from './build-image.js';
import { blobSource } from './build-image.js';
import { displayName, parseImageTag } from './image-ref.js';
import { MEDIA, type Descriptor, type ImageIndex } from './oci-types.js';
import { RegistryClient, type RegistryClientOptions } from './registry-client.js';
import { sortEntries, tarStream, type TarEntry } from './tar-writer.js';

/** Where `--output` sends an image. */
export type ImageOutput =
  | { readonly kind: 'oci'; readonly dir: string }
  | { readonly kind: 'oci-archive'; readonly file: string }
  | { readonly kind: 'docker-archive'; readonly file: string };

/** Parses `oci:DIR`, `oci-archive:FILE` or `docker-archive:FILE` (the transports skopeo names). */
export function parseImageOutput(s: string): ImageOutput {
  const m = /^(oci|oci-archive|docker-archive):(.+)$/.exec(s);
  if (!m)
    throw new SlipwayError('IMAGE_OUTPUT_INVALID', `--output "${s}" is not oci:DIR, oci-archive:FILE or docker-archive:FILE`, {
      output: s,
    });
  const path = resolve(m[2]!);
  return m[1] === 'oci' ? { kind: 'oci', dir: path } : { kind: m[1] as 'oci-archive' | 'docker-archive', file: path };
}

function allBlobs(image: BuiltImage): Descriptor[] {
  return [image.manifest.config, ...image.manifest.layers, image.manifestDescriptor];
}

/**
 * Writes the image into an OCI layout (created if missing; other images in it are kept). Blobs go first; index.json
 * is replaced atomically last, so a failed build never leaves a tag pointing at a partial image. Returns bytes written.
 */
export function writeOciLayout(dir: string, image: BuiltImage, tag: string): number {
  const created = !existsSync(dir);
  try {
    mkdirSync(dir, { recursive: true });
    const out = new BlobDir(dir);
    let written = 0;
    for (const d of allBlobs(image)) written += out.copyFrom(blobSource(image, d.digest), d.digest);
    const layoutFile = join(dir, 'oci-layout');
    if (!existsSync(layoutFile)) writeFileAtomic(layoutFile, JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    const indexFile = join(dir, 'index.json');
    const prev: ImageIndex = existsSync(indexFile)
      ? (JSON.parse(readFileSync(indexFile, 'utf8')) as ImageIndex)
      : { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [] };
    const refName = tag.includes(':') ? tag.slice(tag.lastIndexOf(':') + 1) : tag;
    const manifests = [
      ...prev.manifests.filter((m) => m.annotations?.['org.opencontainers.image.ref.name'] !== refName),
      {
        ...image.manifestDescriptor,
        annotations: { 'org.opencontainers.image.ref.name': refName, 'io.containerd.image.name': displayName(tag) },
      },
    ];
    const index = JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests });
    writeFileAtomic(indexFile, index);
    return written + index.length;
  } catch (e) {
    if (created) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

async function writeTarFile(file: string, entries: TarEntry[]): Promise<number> {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await pipeline(Readable.from(tarStream(sortEntries(entries))), createWriteStream(tmp));
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return statSync(file).size;
}

function fileEntry(path: string, source: string): TarEntry {
  return { path, type: 'file', mode: 0o644, size: statSync(source).size, source };
}

function bytesEntry(path: string, s: string): TarEntry {
  return { path, type: 'file', mode: 0o644, size: Buffer.byteLength(s), source: Buffer.from(s) };
}

/** Writes an `oci-archive:` file: an OCI layout in one uncompressed tar, written to a temp name and renamed. */
export async function writeOciArchive(file: string, image: BuiltImage, tag: string): Promise<number> {
  const staging = `${file}.layout-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    writeOciLayout(staging, image, tag);
    const entries: TarEntry[] = [
      fileEntry('oci-layout', join(staging, 'oci-layout')),
      fileEntry('index.json', join(staging, 'index.json')),
      { path: 'blobs', type: 'dir', mode: 0o755 },
      { path: 'blobs/sha256', type: 'dir', mode: 0o755 },
      ...allBlobs(image).map((d) =>
        fileEntry(`blobs/sha256/${digestHex(d.digest)}`, join(staging, 'blobs', 'sha256', digestHex(d.digest))),
      ),
    ];
    const unique = [...new Map(entries.map((e) => [e.path, e])).values()];
    return await writeTarFile(file, unique);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Writes a `docker-archive:` file (the `docker save` format: manifest.json, config, one uncompressed layer.tar each). */
export async function writeDockerArchive(file: string, image: BuiltImage, tag: string): Promise<number> {
  const staging = `${file}.layers-${process.pid}-${randomBytes(6).toString('hex')}`;
  mkdirSync(staging, { recursive: true });
  try {
    const entries: TarEntry[] = [];
    const layerPaths: string[] = [];
    for (const l of image.layers) {
      const hex = digestHex(l.diffId);
      const path = `${hex}/layer.tar`;
      const plain = join(staging, `${hex}.tar`);
      const src = blobSource(image, l.descriptor.digest).path(l.descriptor.digest);
      if (l.descriptor.mediaType === MEDIA.ociLayerTar) entries.push(fileEntry(path, src));
      else {
        if (!existsSync(plain)) await pipeline(createReadStream(src), createGunzip(), createWriteStream(plain));
        entries.push(fileEntry(path, plain));
      }
      entries.push({ path: hex, type: 'dir', mode: 0o755 });
      layerPaths.push(path);
    }
    const configName = `${digestHex(image.manifest.config.digest)}.json`;
    entries.push(bytesEntry(configName, image.configBytes.toString('utf8')));
    const name = displayName(tag);
    entries.push(bytesEntry('manifest.json', JSON.stringify([{ Config: configName, RepoTags: [name], Layers: layerPaths }])));
    const t = parseImageTag(tag);
    entries.push(
      bytesEntry(
        'repositories',
        JSON.stringify({ [name.slice(0, name.lastIndexOf(':'))]: { [t.tag]: digestHex(image.layers.at(-1)!.diffId) } }),
      ),
    );
    return await writeTarFile(file, [...new Map(entries.map((e) => [e.path, e])).values()]);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Writes the image where `--output` says; returns the bytes written. */
export async function writeImageOutput(out: ImageOutput, image: BuiltImage, tag: string): Promise<number> {
  if (out.kind === 'oci') return writeOciLayout(out.dir, image, tag);
  if (out.kind === 'oci-archive') return writeOciArchive(out.file, image, tag);
  return writeDockerArchive(out.file, image, tag);
}

/**
 * Pushes the image to `ref` (HOST/REPO:TAG) over the distribution API: blobs the registry lacks, then the manifest,
 * so the tag only appears once the image is complete. Returns the bytes sent and the manifest digest.
 */
export async function pushImage(
  ref: string,
  image: BuiltImage,
  opts: RegistryClientOptions = {},
): Promise<{ sent: number; digest: string }> {
  const r = parseImageTag(ref);
  const client = new RegistryClient(r.registry, opts);
  let sent = 0;
  for (const d of [image.manifest.config, ...image.manifest.layers])
    sent += await client.pushBlob(r.repository, d.digest, blobSource(image, d.digest).path(d.digest));
  const digest = await client.putManifest(r.repository, r.tag, image.manifestBytes, MEDIA.ociManifest);
  return { sent: sent + image.manifestBytes.length, digest };
}
