export { startModelServer, type ModelServer, type ModelServerOptions } from './model-server.js';
export { SERVING_DEFAULTS } from './serving-defaults.js';
export type { ModelSource, ModelSet, Servable, VersionSelector } from './model-set.js';
export type { BatchingOptions } from './batcher.js';
export { loadModelRuntime, type LoadRuntimeOptions } from '../runtime/index.js';
export type { ModelRuntime, TensorData } from '../runtime/index.js';
export { protoDir, PROTO_FILES, PROTO_LOADER_OPTIONS } from './proto-files.js';
export { ownedTempDir, sweepOwnedTempDirs } from './owned-temp-dir.js';
