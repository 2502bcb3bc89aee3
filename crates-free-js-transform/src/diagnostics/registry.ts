/**
 * The one registry of the transform's diagnostics. Codes are stable (AG1xx belongs to the transform); names are
 * the keys users put in config `checks`. docs/diagnostics.md (the page DOCS_BASE names) documents each under `#<name>`.
 */

/** One entry of the registry. */
export interface DiagnosticDefinition {
  /** Stable code, `AG1xx`. */
  readonly code: string;
  /** Kebab-case name; the config `checks` key. */
  readonly name: string;
  /** Severity when config says nothing. */
  readonly defaultSeverity: 'error' | 'warn' | 'off';
  /** One line saying what the check catches. */
  readonly description: string;
}

/** Every diagnostic the transform can report, in code order. */
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

/** Where each diagnostic is documented. */
export const DOCS_BASE = 'https://action-guard.dev/docs/diagnostics';

const byName = new Map<string, DiagnosticDefinition>(DIAGNOSTICS.map((definition) => [definition.name, definition]));

/** The registry entry of a check name. */
export function getDiagnosticDefinition(name: CheckName): DiagnosticDefinition {
  const definition = byName.get(name);
  if (definition === undefined) throw new Error(`internal: unregistered diagnostic ${name}`);
  return definition;
}

/** Whether a string names a transform check. */
export function isCheckName(name: string): name is CheckName {
  return byName.has(name);
}
