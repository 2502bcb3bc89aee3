import { parseDedupe, parseRateLimit, parseRevalidates, parseRoles, RULE_POLICY_KEYS, SEVERITIES, type Parsed } from '@action-guard/contracts';
import { ConfigError, type ConfigErrorCode } from './config-error.js';
import type { Options, RulePolicy, Severity } from './options.js';

/** Top-level keys a config may hold, in documentation order (listed in every unknown-key error). */
export const OPTION_KEYS = ['runtime', 'rules', 'checks', 'actionPaths', 'secretSources', 'authFunctions', 'manifest', 'encryptionKey'] as const;
const MANIFEST_KEYS = ['requireSignature', 'failOnUnguarded'] as const;
const PACKAGE_NAME = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/;
const ENCRYPTION_KEY_KEYS = ['missing'] as const;

// Tag argument syntax of docs/reference.md §2, checked here with the grammar the transform parses rules with
// (@action-guard/contracts), so a bad rule fails at load time with the config file named, before any source file is
// compiled, and every rule that passes here parses there.

/** Why a rule's string value does not parse, as the end of an issue line; null when it parses. */
function grammarProblem(value: unknown, parse: (text: string) => Parsed<unknown>): string | null {
  if (typeof value !== 'string') return null;
  const parsed = parse(value.trim());
  return parsed.ok ? null : `${parsed.reason}`;
}

interface Issue {
  code: ConfigErrorCode;
  text: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

function checkKeys(object: Record<string, unknown>, valid: readonly string[], at: string, issues: Issue[]): void {
  for (const key of Object.keys(object)) {
    if (!valid.includes(key)) {
      issues.push({
        code: 'AG201',
        text: `${at}${at ? '.' : ''}${key}: unknown key. Valid keys: ${valid.join(', ')}.`,
      });
    }
  }
}

function checkObject(value: unknown, at: string, issues: Issue[]): value is Record<string, unknown> {
  if (isPlainObject(value)) return true;
  issues.push({ code: 'AG202', text: `${at}: expected an object, got ${describe(value)}.` });
  return false;
}

function checkRule(glob: string, rule: unknown, issues: Issue[]): void {
  const at = `rules[${JSON.stringify(glob)}]`;
  if (glob.trim() === '' || glob.startsWith('/') || glob.startsWith('../')) {
    issues.push({ code: 'AG202', text: `${at}: the glob must be relative to the project root.` });
  }
  if (!checkObject(rule, at, issues)) return;
  checkKeys(rule, RULE_POLICY_KEYS, at, issues);
  const policy = rule as RulePolicy & Record<string, unknown>;
  if ('public' in rule && (typeof policy.public !== 'string' || policy.public.trim() === '')) {
    issues.push({ code: 'AG202', text: `${at}.public: expected the reason as a non-empty string.` });
  }
  if ('requiresAuth' in rule && typeof policy.requiresAuth !== 'boolean') {
    issues.push({ code: 'AG202', text: `${at}.requiresAuth: expected true or false, got ${describe(policy.requiresAuth)}.` });
  }
  if ('role' in rule) {
    const written = Array.isArray(policy.role) ? policy.role : [policy.role];
    // Like the tag, one string may hold several names separated by spaces or commas (the transform joins the array).
    if (!written.every((role) => typeof role === 'string') || !parseRoles(written.join(' ')).ok) {
      issues.push({
        code: 'AG202',
        text: `${at}.role: expected a role name or a non-empty array of role names (letters, digits, _ : . -).`,
      });
    }
  }
  const dedupeProblem = grammarProblem(policy.dedupe, parseDedupe);
  if ('dedupe' in rule && (typeof policy.dedupe !== 'string' || dedupeProblem !== null)) {
    issues.push({
      code: 'AG202',
      text: `${at}.dedupe: expected "key:<field>", "header:<Name>" or "input", optionally followed by a TTL like "24h"; got ${describe(policy.dedupe)}${dedupeProblem === null ? '' : ` (${dedupeProblem})`}.`,
    });
  }
  const rateLimitProblem = grammarProblem(policy.rateLimit, parseRateLimit);
  if ('rateLimit' in rule && (typeof policy.rateLimit !== 'string' || rateLimitProblem !== null)) {
    issues.push({
      code: 'AG202',
      text: `${at}.rateLimit: expected "<n>/<window>" like "30/1m", optionally followed by "by:user", "by:ip" or "by:global"; got ${describe(policy.rateLimit)}${rateLimitProblem === null ? '' : ` (${rateLimitProblem})`}.`,
    });
  }
  if ('revalidates' in rule) {
    const parsed = typeof policy.revalidates === 'string' ? parseRevalidates(policy.revalidates.trim()) : null;
    if (parsed === null || !parsed.ok) {
      issues.push({
        code: 'AG202',
        text: `${at}.revalidates: ${parsed === null ? `expected a string of targets like "tag:invoices path:/invoices", got ${describe(policy.revalidates)}` : parsed.reason}; ${parsed?.fix ?? 'targets are path:/route, layout:/route or tag:<name> [profile]'}.`,
      });
    }
  }
  const requiresAuth = policy.requiresAuth === true || 'role' in rule;
  if (typeof policy.public === 'string' && requiresAuth) {
    issues.push({
      code: 'AG202',
      text: `${at}: "public" contradicts "requiresAuth"/"role"; a rule either opens its actions or requires a session.`,
    });
  }
}

function checkSeverity(value: unknown, at: string, issues: Issue[]): void {
  if (!SEVERITIES.includes(value as Severity)) {
    issues.push({ code: 'AG202', text: `${at}: expected one of ${SEVERITIES.map((s) => `"${s}"`).join(', ')}, got ${describe(value)}.` });
  }
}

/**
 * Checks one source of options (a config file's export or the inline options) against the schema and returns
 * it typed. Every problem is collected and thrown together as one {@link ConfigError} naming `source`.
 * `checkNames` is the registry of valid `checks` keys (transform diagnostics plus build checks).
 */
export function validateOptions(raw: unknown, source: string, checkNames: readonly string[]): Options {
  const issues: Issue[] = [];
  if (!checkObject(raw, 'config', issues)) throw new ConfigError('AG202', source, issues.map((i) => i.text));
  checkKeys(raw, OPTION_KEYS, '', issues);

  if ('runtime' in raw && raw.runtime !== null && (typeof raw.runtime !== 'string' || raw.runtime.trim() === '')) {
    issues.push({ code: 'AG202', text: `runtime: expected a path relative to the project root, or null; got ${describe(raw.runtime)}.` });
  }
  if ('rules' in raw && checkObject(raw.rules, 'rules', issues)) {
    for (const [glob, rule] of Object.entries(raw.rules)) checkRule(glob, rule, issues);
  }
  if ('checks' in raw && checkObject(raw.checks, 'checks', issues)) {
    checkKeys(raw.checks, checkNames, 'checks', issues);
    for (const [name, severity] of Object.entries(raw.checks)) {
      if (checkNames.includes(name)) checkSeverity(severity, `checks.${name}`, issues);
    }
  }
  if ('actionPaths' in raw && raw.actionPaths !== null) {
    const paths = raw.actionPaths;
    if (!Array.isArray(paths) || !paths.every((glob) => typeof glob === 'string' && glob.trim() !== '')) {
      issues.push({ code: 'AG202', text: `actionPaths: expected an array of globs, or null; got ${describe(paths)}.` });
    }
  }
  if ('secretSources' in raw) {
    const sources = raw.secretSources;
    if (!Array.isArray(sources) || !sources.every((entry) => typeof entry === 'string' && entry.trim() !== '')) {
      issues.push({ code: 'AG202', text: `secretSources: expected an array of function names, module specifiers or imported names (e.g. ["getSecret", "@/lib/secrets"]); got ${describe(sources)}.` });
    }
  }
  if ('authFunctions' in raw && checkObject(raw.authFunctions, 'authFunctions', issues)) {
    checkKeys(raw.authFunctions, ['guards', 'lookups'], 'authFunctions', issues);
    for (const key of ['guards', 'lookups'] as const) {
      const names = raw.authFunctions[key];
      if (names !== undefined && (!Array.isArray(names) || !names.every((name) => typeof name === 'string' && /^[A-Za-z_$][\w$]*$/.test(name)))) {
        issues.push({ code: 'AG202', text: `authFunctions.${key}: expected an array of function names, got ${describe(names)}.` });
      }
    }
  }
  if ('manifest' in raw && checkObject(raw.manifest, 'manifest', issues)) {
    checkKeys(raw.manifest, [...MANIFEST_KEYS, 'libraryActions'], 'manifest', issues);
    const libraries = raw.manifest.libraryActions;
    if (libraries !== undefined && (!Array.isArray(libraries) || !libraries.every((name) => typeof name === 'string' && PACKAGE_NAME.test(name)))) {
      issues.push({ code: 'AG202', text: `manifest.libraryActions: expected an array of npm package names, got ${describe(libraries)}.` });
    }
    for (const key of MANIFEST_KEYS) {
      const value = raw.manifest[key];
      if (value !== undefined && typeof value !== 'boolean') {
        issues.push({ code: 'AG202', text: `manifest.${key}: expected true or false, got ${describe(value)}.` });
      }
    }
  }
  if ('encryptionKey' in raw && checkObject(raw.encryptionKey, 'encryptionKey', issues)) {
    checkKeys(raw.encryptionKey, ENCRYPTION_KEY_KEYS, 'encryptionKey', issues);
    if ('missing' in raw.encryptionKey) checkSeverity(raw.encryptionKey.missing, 'encryptionKey.missing', issues);
  }

  if (issues.length > 0) {
    throw new ConfigError(issues[0]!.code, source, issues.map((issue) => issue.text));
  }
  return raw as Options;
}
