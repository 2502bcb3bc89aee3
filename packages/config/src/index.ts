export { readBaselineFile, type ResolvedBaseline } from './baseline-file.js';
export { ConfigError, type ConfigErrorCode } from './config-error.js';
export {
  CONFIG_FILE_NAMES,
  INLINE_SOURCE,
  defaultChecks,
  findConfigFile,
  loadConfig,
  loadConfigSync,
  mergeOptions,
  resolveConfig,
  type LoadConfigOptions,
} from './load-config.js';
export {
  BUILD_CHECKS,
  defineConfig,
  type BuildCheckName,
  type EncryptionKeyOptions,
  type ManifestOptions,
  type Options,
  type ResolvedConfig,
  type RulePolicy,
  type Severity,
} from './options.js';
export { runtimeImportFor, toTransformerOptions, toTransformOptions } from './to-transform-options.js';
export { OPTION_KEYS, validateOptions } from './validate-options.js';
