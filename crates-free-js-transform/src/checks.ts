/**
 * `@action-guard/transform/checks`: the registry of diagnostics, the default runtime import and the rate-limit
 * comparison, without the parser. The config loader needs only these, in every process that evaluates next.config;
 * loading the whole transform there (Babel's parser and code frame) cost about 50 ms per evaluation. The manifest
 * package imports `compareRateLimits` from here, so the build and `manifest diff` judge rate limits alike.
 */
export { DIAGNOSTICS, DOCS_BASE, type DiagnosticDefinition } from './diagnostics/registry.js';
export { DEFAULT_RUNTIME_IMPORT } from './default-runtime-import.js';
export { SERVER_DIRECTIVE_PREFILTER } from './analyze/directives.js';
export { compareRateLimits, type RateLimitChange, type RateLimitShape } from './policy-strictness.js';
export {
  formatRevalidateTarget, MAX_REVALIDATE_TAG_LENGTH, parseRevalidates, revalidateTargetFields, type Parsed,
} from './validate/policy-arguments.js';
export type { RevalidateTarget } from './types.js';
