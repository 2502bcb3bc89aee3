export type { Options, ResolvedConfig, RulePolicy, Severity } from '@action-guard/config';
export { defineConfig } from '@action-guard/config';
export type { LoaderOptions } from './loader-options.js';
export { SUPPORTED_NEXT } from './next-version.js';
export {
  withActionGuard,
  type GuardedNextConfig,
  type NextConfigContext,
  type NextConfigInput,
} from './with-action-guard.js';
