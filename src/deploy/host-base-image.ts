import { BlobDir } from './blob-dir.js';
import { hostPlatform } from './base-image.js';
import type { BuiltImage } from './build-image.js';
import { hostBaseEntries } from './host-base.js';
import { buildLayer, withParentDirs } from './layer-builder.js';
import { MEDIA, type ImageConfig, type ImageManifest } from './oci-types.js';

/**
 * Builds a one-layer Node.js base image from this host's `node` and the libraries it (and `extraBinaries`) load;
 * its blobs go into `cacheDir`. Write it with writeOciLayout and pass it as `--base oci:DIR`.
 */
export async function buildHostBaseImage(
  cacheDir: string,
  opts: { nodeBinary?: string; extraBinaries?: readonly string[] } = {},
): Promise<BuiltImage> {
  const cache = new BlobDir(cacheDir);
  const built = await buildLayer(
    withParentDirs(hostBaseEntries(opts.nodeBinary, opts.extraBinaries)),
    cache,
    'base',
    `${cacheDir}/layer-keys`,
  );
  const created = new Date(0).toISOString();
  const config: ImageConfig = {
    ...hostPlatform(),
    created,
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['node'] },
    rootfs: { type: 'layers', diff_ids: [built.layer.diffId] },
    history: [{ created, created_by: `slipway: node ${process.version} and its shared libraries from the build host`, comment: 'base' }],
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const { descriptor: configDesc } = cache.put(configBytes, MEDIA.ociConfig);
  const manifest: ImageManifest = { schemaVersion: 2, mediaType: MEDIA.ociManifest, config: configDesc, layers: [built.layer.descriptor] };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const { descriptor: manifestDescriptor } = cache.put(manifestBytes, MEDIA.ociManifest);
  return {
    manifest,
    manifestBytes,
    manifestDescriptor,
    configBytes,
    config,
    layers: [built.layer],
    sources: [cache],
    report: [{ role: 'base', digest: built.layer.descriptor.digest, size: built.layer.descriptor.size, cached: built.cached }],
  };
}
