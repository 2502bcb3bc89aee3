/**
 * The one registry of every code action-guard reports, with the one docs base and the one printer. Codes are stable
 * and never change meaning once published: AG1xx belong to the transform (their names are the keys of config
 * `checks`), AG2xx to configuration, AG3xx to the build's manifest step and the CLI's manifest and key commands.
 * docs/diagnostics.md documents each under a heading whose id is the entry's `name` (test/docs-anchors.test.ts).
 */
import type { Severity } from './policy.js';

/** One entry of the registry. */
export interface DiagnosticDefinition {
  /** Stable code, `AG1xx`, `AG2xx` or `AG3xx`. */
  readonly code: string;
  /** Kebab-case name: the heading id in docs/diagnostics.md, and for AG1xx and configurable AG3xx the `checks` key. */
  readonly name: string;
  /** Severity when config says nothing. */
  readonly defaultSeverity: Severity;
  /** One line saying what the check catches. */
  readonly description: string;
}

/** Every diagnostic the transform can report (AG1xx), in code order. */
export const DIAGNOSTICS = [

  {
    code: 'AG101',
    name: 'missing-auth-decision',
    defaultSeverity: 'error',
    description:
      'An action has no auth decision: none of @requiresAuth, @role, @authorize, @public, nor a directory rule that decides.',
  },
  {
    code: 'AG102',
    name: 'missing-schema',
    defaultSeverity: 'error',
    description: 'An action takes input (declares a parameter) but has no schema at all.',
  },
  {
    code: 'AG103',
    name: 'unknown-tag',
    defaultSeverity: 'error',
    description: 'A JSDoc tag above an action is not an action-guard tag nor a standard JSDoc tag (often a typo).',
  },
  {
    code: 'AG104',
    name: 'malformed-tag',
    defaultSeverity: 'error',
    description: 'A tag has missing or invalid arguments.',
  },
  {
    code: 'AG105',
    name: 'schema-not-in-scope',
    defaultSeverity: 'error',
    description: 'The @schema identifier is not declared or imported at module scope.',
  },
  {
    code: 'AG106',
    name: 'authorize-not-in-scope',
    defaultSeverity: 'error',
    description: 'The @authorize identifier is not declared or imported at module scope.',
  },
  {
    code: 'AG107',
    name: 'contradictory-tags',
    defaultSeverity: 'error',
    description: 'Tags contradict each other (e.g. @public with @requiresAuth) or are given twice with different values.',
  },
  {
    code: 'AG108',
    name: 'weakens-directory-rule',
    defaultSeverity: 'error',
    description: 'A tag weakens a directory rule; rules are floors that tags may only tighten.',
  },
  {
    code: 'AG109',
    name: 'unguardable-action',
    defaultSeverity: 'error',
    description: 'An action has a form the transform cannot wrap safely, so it would run unguarded.',
  },
  {
    code: 'AG110',
    name: 'inline-action',
    defaultSeverity: 'off',
    description: 'An inline "use server" function (perimeter visibility; inline actions are guarded like exports).',
  },
  {
    code: 'AG111',
    name: 'server-module-outside-paths',
    defaultSeverity: 'error',
    description: 'A "use server" module lives outside the configured actionPaths.',
  },
  {
    code: 'AG112',
    name: 'unparseable-module',
    defaultSeverity: 'error',
    description: 'A file that mentions "use server" could not be parsed, so its actions could not be found.',
  },
  {
    code: 'AG113',
    name: 'unvalidated-arguments',
    defaultSeverity: 'error',
    description:
      'An action has a schema, but not one per client-supplied parameter (a single @schema on a multi-parameter action covers one argument only).',
  },
  {
    code: 'AG114',
    name: 'dedupe-input-anonymous',
    defaultSeverity: 'error',
    description:
      'An action open to anonymous callers has @dedupe input: anyone who sends the same input would get the stored result.',
  },
  {
    code: 'AG115',
    name: 'cache-function-policy',
    defaultSeverity: 'error',
    description:
      'A "use cache" function (callable by ID) carries @requiresAuth, @role, @authorize, @dedupe or @rateLimit, from a tag or a directory rule: it runs outside the request and its result is shared, so none of them can hold.',
  },
  {
    code: 'AG116',
    name: 'result-type-without-failure',
    defaultSeverity: 'warn',
    description:
      'An action declares a result type that cannot hold the ActionFailure the guard answers with (a form typed for its own state would show nothing, or crash rendering it), and has no @onFailure to map failures into that type.',
  },
  {
    code: 'AG117',
    name: 'on-failure-not-in-scope',
    defaultSeverity: 'error',
    description: 'The @onFailure identifier is not declared or imported at module scope.',
  },
  {
    code: 'AG120',
    name: 'revalidates-without-input',
    defaultSeverity: 'error',
    description:
      'A @revalidates target reads a {field} of the validated input, but the action has no validated input (no parameters or no schema).',
  },
  {
    code: 'AG121',
    name: 'swallowed-navigation',
    defaultSeverity: 'warn',
    description:
      'redirect(), permanentRedirect(), notFound(), forbidden() or unauthorized() is called inside a try whose catch swallows it (no rethrow, no unstable_rethrow first).',
  },
  {
    code: 'AG122',
    name: 'captured-secret',
    defaultSeverity: 'warn',
    description:
      'An inline "use server" function closes over a secret (process.env, a configured secretSources call or import, or a secret-named variable): Next sends captured values to the client, encrypted.',
  },
] as const satisfies readonly DiagnosticDefinition[];

/** The name of a transform check, usable as a key of `checks`. */
export type CheckName = (typeof DIAGNOSTICS)[number]['name'];

/** Configuration errors (AG2xx): always errors, thrown as one `ConfigError` naming the config file. */
export const CONFIG_DIAGNOSTICS = [
  { code: 'AG201', name: 'unknown-config-key', defaultSeverity: 'error', description: 'A key the configuration does not know (a typo must never silently drop a setting).' },
  { code: 'AG202', name: 'invalid-config-value', defaultSeverity: 'error', description: 'A value of the wrong type or syntax, or two settings that contradict each other.' },
  { code: 'AG203', name: 'unloadable-config', defaultSeverity: 'error', description: 'The config file cannot be found, read or evaluated, or several candidates exist.' },
] as const satisfies readonly DiagnosticDefinition[];

/** A configuration error code. */
export type ConfigErrorCode = (typeof CONFIG_DIAGNOSTICS)[number]['code'];

/**
 * Findings of the manifest step and the CLI's manifest and key commands (AG3xx). Those with `check: true` are also
 * build checks: their name is a key of config `checks` beside the transform's.
 */
export const MANIFEST_FINDINGS = [
  { code: 'AG301', name: 'unguarded-action', defaultSeverity: 'error', check: true, description: 'Next registered a Server Action that the action-guard transform did not guard.' },
  { code: 'AG302', name: 'missing-signing-key', defaultSeverity: 'warn', check: true, description: 'The manifest was written without a signature because ACTION_GUARD_SIGNING_KEY is not set.' },
  { code: 'AG303', name: 'invalid-signing-key', defaultSeverity: 'error', check: false, description: 'ACTION_GUARD_SIGNING_KEY is not an Ed25519 private key in PKCS#8 PEM (or that PEM base64-encoded).' },
  { code: 'AG304', name: 'unreferenced-action', defaultSeverity: 'warn', check: true, description: 'A Server Action is registered and callable by id, but no client code references it.' },
  { code: 'AG305', name: 'missing-encryption-key', defaultSeverity: 'warn', check: true, description: 'A production build ran without NEXT_SERVER_ACTIONS_ENCRYPTION_KEY.' },
  { code: 'AG306', name: 'malformed-encryption-key', defaultSeverity: 'error', check: false, description: 'NEXT_SERVER_ACTIONS_ENCRYPTION_KEY is not base64 of 16, 24 or 32 bytes.' },
  { code: 'AG307', name: 'duplicate-action-ref', defaultSeverity: 'error', check: false, description: 'Two registered action ids resolve to the same action ref.' },
  { code: 'AG308', name: 'encryption-key-mismatch', defaultSeverity: 'error', check: false, description: 'The encryption key differs from the one the manifest was built with.' },
] as const satisfies readonly (DiagnosticDefinition & { check: boolean })[];

/** Name of a manifest-step finding. */
export type ManifestFindingName = (typeof MANIFEST_FINDINGS)[number]['name'];

/** The AG3xx findings whose severity config `checks` sets, like a transform check's. */
export type BuildCheckName = Extract<(typeof MANIFEST_FINDINGS)[number], { check: true }>['name'];

/** Every code action-guard can report, in code order. */
export const ALL_DIAGNOSTICS: readonly DiagnosticDefinition[] = [...DIAGNOSTICS, ...CONFIG_DIAGNOSTICS, ...MANIFEST_FINDINGS];

/**
 * The repository, as every package.json's `repository` field names it (test/docs-anchors.test.ts checks they agree).
 * Docs links point into the repository's own docs/, which also ship inside this package (`docs/diagnostics.md`).
 */
export const REPOSITORY_URL = 'https://github.com/action-guard/action-guard';

/** Where each diagnostic is documented: docs/diagnostics.md, one heading per entry, its id the entry's name. */
export const DOCS_BASE = `${REPOSITORY_URL}/blob/main/docs/diagnostics.md`;

/** The docs link of one registry entry, by name or code. */
export function docsUrl(nameOrCode: string): string {
  const definition = findDiagnostic(nameOrCode);
  if (definition === undefined) throw new Error(`internal: unregistered diagnostic ${nameOrCode}`);
  return `${DOCS_BASE}#${definition.name}`;
}

const byKey = new Map<string, DiagnosticDefinition>(ALL_DIAGNOSTICS.flatMap((definition) => [[definition.name, definition], [definition.code, definition]]));

/** The registry entry of a name or code, or undefined. */
export function findDiagnostic(nameOrCode: string): DiagnosticDefinition | undefined {
  return byKey.get(nameOrCode);
}

/** The registry entry of a transform check name. */
export function getDiagnosticDefinition(name: CheckName): DiagnosticDefinition {
  const definition = findDiagnostic(name);
  if (definition === undefined || !definition.code.startsWith('AG1')) throw new Error(`internal: unregistered diagnostic ${name}`);
  return definition;
}

/** Whether a string names a transform check. */
export function isCheckName(name: string): name is CheckName {
  return findDiagnostic(name)?.code.startsWith('AG1') === true;
}

/**
 * A problem ready to print: a transform diagnostic (with its code frame) or a manifest finding (whose location may be
 * missing) both fit.
 */
export interface PrintableFinding {
  code: string;
  name: string;
  severity: 'error' | 'warning';
  message: string;
  fix: string;
  docs: string;
  file?: string | null;
  line?: number | null;
  column?: number | null;
  /** Code frame around the location, without ANSI colours. */
  frame?: string;
}

/**
 * Prints a finding the way every adapter shows it: `app/actions.ts:12:3 error AG101 missing-auth-decision: …`, the
 * code frame when there is one, the fix and the docs link.
 */
export function formatFinding(finding: PrintableFinding): string {
  const where = finding.file ? `${finding.file}${finding.line != null ? `:${finding.line}:${finding.column ?? 1}` : ''} ` : '';
  return [
    `${where}${finding.severity} ${finding.code} ${finding.name}: ${finding.message}`,
    ...(finding.frame === undefined ? [] : [finding.frame]),
    `fix: ${finding.fix}`,
    `docs: ${finding.docs}`,
  ].join('\n');
}

/** The severity a finding is reported with under config severity `severity`; `null` when the check is off. */
export function reportedSeverity(severity: Severity): 'error' | 'warning' | null {
  return severity === 'off' ? null : severity === 'error' ? 'error' : 'warning';
}
