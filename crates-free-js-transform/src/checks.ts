/**
 * `@action-guard/transform/checks`: the registry of diagnostics and the default runtime import, without the parser.
 * The config loader needs only these, in every process that evaluates next.config; loading the whole transform
 * there (Babel's parser and code frame) cost about 50 ms per evaluation.
 */
export { DIAGNOSTICS, DOCS_BASE, type DiagnosticDefinition } from './diagnostics/registry.js';
export { DEFAULT_RUNTIME_IMPORT } from './default-runtime-import.js';
export { SERVER_DIRECTIVE_PREFILTER } from './analyze/directives.js';
