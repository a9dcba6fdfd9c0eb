export { ConfigError } from './config-error.js';
export { childEnvironment, codexBinarySetting, environmentFrom, loadEnvironment, type Environment } from './environment.js';
export { BUILT_IN_HIDDEN_NAMES, HIDDEN_ENV_SETTING, hiddenNamePatterns, scrubEnvironment, storedSecretValues, type HiddenSecrets } from './child-environment.js';
export type { DeliverySettings } from './delivery-settings.js';
export type { LogSettings } from './log-settings.js';
export { DEFAULT_LEASE_SEC, defaultMasterName, resolveMasterConfig, type MasterConfig, type MasterFlags, type RetentionSettings } from './master-config.js';
export { resolveNodeConfig, type NodeConfig, type NodeFlags } from './node-config.js';
export { SECRET_FILES, ensureDataDir, loadOrCreateSecret, readSecretFile, restrictToOwner, type LoadedSecret } from './secrets.js';
export { defaultDataDir } from './settings.js';
export { resolveDataDir } from './data-dir-config.js';
export { redactDatabaseUrl, resolveStoreTarget, type StoreFlags, type StoreTarget } from './store-config.js';
export { resolveClientConfig, type ClientConfig, type ClientFlags } from './client-config.js';
export {
  resolveBridgeConfig,
  resolveChatSettings,
  type BridgeConfig,
  type BridgeFlags,
  type ChatFlags,
  type ChatLanguageSetting,
  type ChatPlatformSettings,
  type ChatSettings,
  type PlatformOverrides,
  type TranscriptionSettings,
} from './bridge-config.js';
export {
  DEFAULT_AGENTS,
  expandHome,
  resolveOrchestratorConfig,
  type AgentSettings,
  type OrchestratorConfig,
  type RunProfile,
} from './orchestrator-config.js';
export { CONF_TEMPLATE } from './orchestrator-template.js';
export { resolveDoctorConfig, type DoctorConfig, type DoctorCredential, type DoctorFlags, type LocalMasterPorts } from './doctor-config.js';
