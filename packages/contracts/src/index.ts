/**
 * @action-guard/contracts: the knowledge every action-guard package shares, declared once (docs/architecture.md
 * "Where each piece of knowledge lives"). No dependencies and no `node:` imports: the runtime loads it on the Edge.
 */
export type {
  ActionRecord, DedupePolicy, NormalizedPolicy, RateLimitPolicy, RecordFile, RevalidateTarget, RulePolicy, Severity,
} from './policy.js';
export { RULE_POLICY_KEYS, SEVERITIES } from './policy.js';
export {
  ALL_DIAGNOSTICS, CONFIG_DIAGNOSTICS, DIAGNOSTICS, DOCS_BASE, MANIFEST_FINDINGS, REPOSITORY_URL, docsUrl, findDiagnostic,
  formatFinding, getDiagnosticDefinition, isCheckName, reportedSeverity, type BuildCheckName, type CheckName,
  type ConfigErrorCode, type DiagnosticDefinition, type ManifestFindingName, type PrintableFinding,
} from './diagnostics.js';
export { gradeFindings } from './grading.js';
export {
  compareRateLimits, DEFAULT_DEDUPE_TTL_SECONDS, formatDedupe, formatDedupeSource, formatDuration, formatRateLimit,
  formatRevalidateTarget, joinSchemaList, MAX_REVALIDATE_TAG_LENGTH, normalizeRevalidateTargets, parseDedupe, parseDuration,
  parseIdentifierArgument, parseRateLimit, parseRevalidates, parseRoles, parseSchemaList, revalidateTargetFields,
  type Parsed, type RateLimitArgument, type RateLimitChange, type RateLimitShape,
} from './grammar.js';
export {
  ACTION_GUARD_DIR, BUILD_KEY_FINGERPRINT_ENV, DECLARATION_FILE_PATTERN, ENCRYPTION_KEY_ENV, ENVELOPE_FILE,
  isInsideLoaderReach, isLoaderSourceFile, MANIFEST_FILE, RECORDS_DIR_SEGMENTS, SIGNING_KEY_ENV, SOURCE_FILE_EXTENSIONS,
  SOURCE_FILE_GLOB, SOURCE_FILE_PATTERN, VENDOR_PATTERN,
} from './layout.js';
