export { parseImageRef, parseImageTag, formatImageRef, displayName, type ImageRef } from './image-ref.js';
export { MEDIA, type Descriptor, type ImageConfig, type ImageManifest, type ImageIndex, type Layer } from './oci-types.js';
export { BlobDir, digestHex } from './blob-dir.js';
export { tarStream, sortEntries, TAR_MTIME, type TarEntry } from './tar-writer.js';
export { buildLayer, layerKey, withParentDirs } from './layer-builder.js';
export { RegistryClient, dockerConfigCredentials, type RegistryCredentials, type RegistryClientOptions } from './registry-client.js';
export { loadBase, loadLayoutBase, pullBase, hostPlatform, type BaseImage } from './base-image.js';
export { hostBaseEntries, sharedLibraries, IMAGE_UID } from './host-base.js';
export { buildHostBaseImage } from './host-base-image.js';
export { appEntries, installedPackages, nativeBinaries, slipwayPackageRoot, APP_DIR, type AppSource } from './app-files.js';
export {
  buildImage,
  imageConfig,
  modelEntries,
  modelPath,
  serverRuntime,
  GRPC_PORT,
  REST_PORT,
  READY_PATH,
  LIVE_PATH,
  type BuildImageOptions,
  type BuiltImage,
  type ImageModel,
  type LayerReport,
  type ServerRuntime,
} from './build-image.js';
export {
  parseImageOutput,
  writeImageOutput,
  writeOciLayout,
  writeOciArchive,
  writeDockerArchive,
  pushImage,
  type ImageOutput,
} from './image-output.js';
export {
  renderKubernetesManifests,
  renderInferenceService,
  k8sName,
  type KubernetesDeployOptions,
  type KubernetesObject,
} from './kubernetes-manifests.js';
export { renderDockerfile, writeDockerContext, DOCKERIGNORE } from './dockerfile.js';
export { kubernetesFailure } from './kubernetes-failure.js';
