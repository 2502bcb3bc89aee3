import path from 'node:path';
import picomatch from 'picomatch';
import { refFile, type BaselineEntry } from './baseline.js';
import { DEFAULT_RUNTIME_IMPORT } from './default-runtime-import.js';
import { DIAGNOSTICS, isCheckName, type CheckName } from '@action-guard/contracts';
import type { RulePolicy, Severity, TransformOptions } from './types.js';
import { parseRulePolicy, type RuleFloor } from './validate/resolve-policy.js';

export { DEFAULT_RUNTIME_IMPORT };

const OPTION_KEYS = ['filename', 'root', 'runtimeImport', 'rules', 'checks', 'actionPaths', 'sourceMaps', 'baseline', 'secretSources'] as const;
const RULE_KEYS = ['public', 'requiresAuth', 'role', 'dedupe', 'rateLimit', 'revalidates'] as const;
const SEVERITIES: readonly Severity[] = ['error', 'warn', 'off'];

/** A directory rule with its glob compiled. */
export interface ResolvedRule {
  /** The glob as written (relative to root). */
  glob: string;
  /** Whether a root-relative posix path matches. */
  matches: (file: string) => boolean;
  /** The policy floor, as written. */
  policy: RulePolicy;
  /** The policy floor, parsed (validated once, here). */
  floor: RuleFloor;
}

/** Options after defaults and validation; what the rest of the transform reads. */
export interface ResolvedOptions {
  /** Absolute path of the file. */
  filename: string;
  /** Posix path of the file relative to root (used in refs and diagnostics). */
  file: string;
  /** Absolute project root. */
  root: string;
  /** Specifier of the runtime import. */
  runtimeImport: string;
  /** Directory rules that match this file, in config order. */
  rules: ResolvedRule[];
  /** Severity of every check. */
  checks: Record<CheckName, Severity>;
  /** Whether the file lies inside the configured action paths (always true when none are configured). */
  insideActionPaths: boolean;
  /** Whether to produce a source map. */
  sourceMaps: boolean;
  /** Baseline entries of this file (src/baseline.ts). */
  baseline: BaselineEntry[];
  /** Calls, modules and imported names that carry secrets (`captured-secret`). */
  secretSources: string[];
}

/** Thrown for invalid options: these are configuration errors, never diagnostics. */
export class TransformOptionsError extends TypeError {
  override name = 'TransformOptionsError';
}

/**
 * Compiles a project glob. Parentheses that do not open an extglob (`@(a|b)`, `!(x)`) are literal, because Next's
 * route groups put them in real paths: `app/(marketing)/**` must match `app/(marketing)/page.tsx`.
 */
export function compileGlob(glob: string | string[]): (file: string) => boolean {
  const escape = (pattern: string): string => pattern.replace(/(^|[^!@*+?\\])\(([^()]*)\)/g, '$1\\($2\\)');
  return picomatch([glob].flat().map(escape), { dot: true });
}

function fail(message: string): never {
  throw new TransformOptionsError(`@action-guard/transform: ${message}`);
}

function checkKeys(value: object, valid: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!valid.includes(key)) fail(`unknown ${where} key "${key}"; valid keys are: ${valid.join(', ')}`);
  }
}

/** Validates options strictly (unknown keys are errors that list the valid ones) and applies defaults. */
export function resolveOptions(options: TransformOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') fail('options must be an object with at least `filename`');
  checkKeys(options, OPTION_KEYS, 'option');
  if (typeof options.filename !== 'string' || options.filename === '') fail('`filename` must be a non-empty string');
  const root = path.resolve(options.root ?? process.cwd());
  const filename = path.resolve(root, options.filename);
  const file = path.relative(root, filename).split(path.sep).join('/');

  const runtimeImport = options.runtimeImport ?? DEFAULT_RUNTIME_IMPORT;
  if (typeof runtimeImport !== 'string' || runtimeImport === '') fail('`runtimeImport` must be a non-empty string');

  const checks = Object.fromEntries(DIAGNOSTICS.map((d) => [d.name, d.defaultSeverity])) as Record<CheckName, Severity>;
  for (const [name, severity] of Object.entries(options.checks ?? {})) {
    if (!isCheckName(name)) fail(`unknown check "${name}"; valid checks are: ${DIAGNOSTICS.map((d) => d.name).join(', ')}`);
    if (!SEVERITIES.includes(severity as Severity)) {
      fail(`check "${name}" has severity ${JSON.stringify(severity)}; use one of ${SEVERITIES.join(', ')}`);
    }
    checks[name] = severity as Severity;
  }

  const rules: ResolvedRule[] = [];
  for (const [glob, policy] of Object.entries(options.rules ?? {})) {
    if (policy === null || typeof policy !== 'object') fail(`rule "${glob}" must be an object`);
    checkKeys(policy, RULE_KEYS, `rule "${glob}"`);
    const floor = parseRulePolicy(glob, policy);
    const matches = compileGlob(glob);
    if (matches(file)) rules.push({ glob, matches, policy, floor });
  }

  let insideActionPaths = true;
  if (options.actionPaths !== undefined && options.actionPaths !== null) {
    if (!Array.isArray(options.actionPaths) || options.actionPaths.some((glob) => typeof glob !== 'string')) {
      fail('`actionPaths` must be an array of globs or null');
    }
    insideActionPaths = compileGlob(options.actionPaths)(file);
  }

  const sourceMaps = options.sourceMaps ?? true;
  if (typeof sourceMaps !== 'boolean') fail('`sourceMaps` must be a boolean');
  if (options.baseline !== undefined && (!Array.isArray(options.baseline) || options.baseline.some((e) => typeof e?.ref !== 'string' || typeof e?.check !== 'string'))) {
    fail('`baseline` must be an array of { ref, check, code } entries (parseBaseline() reads action-guard.baseline.json)');
  }
  const baseline = (options.baseline ?? []).filter((entry) => refFile(entry.ref) === file);
  const secretSources = options.secretSources ?? [];
  if (!Array.isArray(secretSources) || secretSources.some((entry) => typeof entry !== 'string' || entry.trim() === '')) {
    fail('`secretSources` must be an array of non-empty strings: function names (`getSecret`, `vault.read`), module specifiers or imported names');
  }
  return { filename, file, root, runtimeImport, rules, checks, insideActionPaths, sourceMaps, baseline, secretSources };
}
