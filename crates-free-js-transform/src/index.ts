/**
 * @action-guard/transform: finds every Next.js Server Action in a module, reads its policy from JSDoc, and wraps it
 * with the runtime guard. Pure; the Next loader, the CLI and the Babel plugin are thin doors onto it.
 */
export { createTransformer, transform } from './transform.js';
export { SERVER_DIRECTIVE_PREFILTER, countServerDirectiveCandidates } from './analyze/directives.js';
export { checkModule, createChecker, type CheckedSite, type ModuleCheck } from './check-module.js';
export { POLICY_TAGS } from './validate/resolve-policy.js';
export { suggestTag } from './validate/suggest-tag.js';
export {
  applyBaseline, BASELINE_FILE_NAME, BASELINE_VERSION, BASELINED_PUBLIC_REASON, BaselineFormatError, baselineEntriesFor, baselineKey,
  baselineSummary, diagnosticRef, parseBaseline, refFile, serializeBaseline, staleBaselineEntries, type AppliedBaseline, type Baseline,
  type BaselineEntry,
} from './baseline.js';
export { formatDiagnostic } from './diagnostics/format-diagnostic.js';
export { DIAGNOSTICS, DOCS_BASE, type DiagnosticDefinition } from '@action-guard/contracts';
export {
  DEFAULT_RUNTIME_IMPORT, TransformOptionsError, resolveOptions, type ResolvedOptions, type TransformerOptions,
} from './options.js';
export { DEFAULT_DEDUPE_TTL_SECONDS } from '@action-guard/contracts';
export type {
  ActionRecord, CheckName, Diagnostic, EncodedSourceMap, NormalizedPolicy, RevalidateTarget, RulePolicy, Severity, TransformOptions,
  TransformResult,
} from './types.js';
