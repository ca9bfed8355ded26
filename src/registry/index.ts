export type { ModelFormat, ModelVersion, ModelSummary, AliasRecord, AliasMove, Lineage, LineageDataset } from './types.js';
export { parseModelRef, formatModelRef, versionRef, modelRefOf, assertAliasName, isModelName, type ModelRef } from './model-ref.js';
export { registerModel, type RegisterModelOptions, type StageSource } from './register-model.js';
export { resolveModelRef, resolveVersion, checkoutModelVersion } from './resolve-model.js';
export { listModels, listVersions, listAliases, getVersion, aliasVersion } from './model-repository.js';
export { diffVersions, type VersionDiff, type DiffEntry } from './diff-versions.js';
export { setAlias, aliasHistory, rollbackAlias, rollbackTarget, type SetAliasOptions } from './aliases.js';
export { promote, type PromoteOptions, type PromoteResult, type GateCheck } from './promote.js';
export { deliverWebhooks, signPayload, type WebhookConfig, type WebhookDelivery } from './webhooks.js';
export {
  modelLineage,
  lineageText,
  lineageDot,
  lineageNodeId,
  type LineageGraph,
  type LineageDeployment,
  type LineageLive,
} from './lineage.js';
export { readOnnxSignature, readFolderSignature, validateSignature } from './read-signature.js';
export { signModelVersion, verifyModelVersion, verifyModelFolder, modelSignature, hashModelFolder } from './signing.js';
export {
  readPrivateKey,
  readPublicKey,
  signStatement,
  verifyBundle,
  modelStatement,
  type SigstoreBundle,
  type ModelStatement,
} from './signing-format.js';
export { modelRoots } from './model-roots.js';
