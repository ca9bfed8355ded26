export { findWorkspace, initWorkspace, workspaceAt, CONFIG_FILE, STATE_DIR, type Workspace } from './workspace.js';
export {
  loadSettings,
  kernelSettings,
  cliSettings,
  applyProcessDefaults,
  type Settings,
  type KernelSettings,
  type CliSettings,
} from './settings.js';
export { loadConfig, parseConfig, parseYamlWith } from './slipway-yaml.js';
export { slipwayConfigSchema, type SlipwayConfig } from './schema.js';
export { storeSchema, parseDuration } from './store-schema.js';
export { deploymentsSchema, deploymentSchema, analysisSchema, type DeploymentConfig, type AnalysisConfig } from './deployments-schema.js';
export { sweepSchema, sweepsSchema, type SweepConfig, type SweepParam } from './sweeps-schema.js';
export { SERVE_NODE_FLAGS } from './serve-node-flags.js';
