/**
 * `@action-guard/transform/checks`: the registry of diagnostics, the default runtime import, the directive pre-filter
 * and the rate-limit comparison and `@revalidates` grammar, without the parser. Kept for compatibility: the registry,
 * the comparison and the grammar now live in @action-guard/contracts, which is what the config package, the manifest
 * and the CLI import; new code should import them from there.
 */
export { DIAGNOSTICS, DOCS_BASE, type DiagnosticDefinition } from '@action-guard/contracts';
export { DEFAULT_RUNTIME_IMPORT } from './default-runtime-import.js';
export { SERVER_DIRECTIVE_PREFILTER } from './analyze/directives.js';
export { compareRateLimits, type RateLimitChange, type RateLimitShape } from '@action-guard/contracts';
export {
  formatRevalidateTarget, MAX_REVALIDATE_TAG_LENGTH, parseRevalidates, revalidateTargetFields, type Parsed,
} from '@action-guard/contracts';
export type { RevalidateTarget } from '@action-guard/contracts';
