import path from 'node:path';
import picomatch from 'picomatch';
import { refFile, type BaselineEntry } from './baseline.js';
import { DEFAULT_RUNTIME_IMPORT } from './default-runtime-import.js';
import { DIAGNOSTICS, isCheckName, RULE_POLICY_KEYS, SEVERITIES, type CheckName } from '@action-guard/contracts';
import type { RulePolicy, Severity, TransformOptions } from './types.js';
import { parseRulePolicy, type ResolvedRule } from './validate/resolve-policy.js';

export type { ResolvedRule };

export { DEFAULT_RUNTIME_IMPORT };

const OPTION_KEYS = ['filename', 'root', 'runtimeImport', 'rules', 'checks', 'actionPaths', 'sourceMaps', 'baseline', 'secretSources'] as const;

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

/** A rule's floor; a rule whose arguments do not parse is an options error like any other (parseRulePolicy says why). */
function ruleFloor(glob: string, policy: RulePolicy): ReturnType<typeof parseRulePolicy> {
  try {
    return parseRulePolicy(glob, policy);
  } catch (error) {
    if (error instanceof TypeError && !(error instanceof TransformOptionsError)) throw new TransformOptionsError(error.message);
    throw error;
  }
}

function fail(message: string): never {
  throw new TransformOptionsError(`@action-guard/transform: ${message}`);
}

function checkKeys(value: object, valid: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!valid.includes(key)) fail(`unknown ${where} key "${key}"; valid keys are: ${valid.join(', ')}`);
  }
}

/** What {@link createTransformer} takes: every option but the file; the runtime import may depend on the file. */
export interface TransformerOptions extends Omit<TransformOptions, 'filename' | 'runtimeImport'> {
  /**
   * Specifier the emitted code imports the runtime from, or a function giving it for a file's absolute path (a
   * relative import of the app's runtime module differs per directory).
   * @default '@action-guard/runtime/default'
   */
  runtimeImport?: string | ((filename: string) => string);
}

/** The options of a whole build, validated and compiled once: the part of {@link ResolvedOptions} no file changes. */
export interface ProjectOptions {
  /** Absolute project root. */
  root: string;
  /** The runtime import of a file (absolute path). */
  runtimeImport: (filename: string) => string;
  /** Every directory rule, compiled, in config order. */
  rules: ResolvedRule[];
  /** Severity of every check. */
  checks: Record<CheckName, Severity>;
  /** Whether a root-relative posix path lies inside the configured action paths; null when none are configured. */
  insideActionPaths: ((file: string) => boolean) | null;
  /** Whether to produce source maps. */
  sourceMaps: boolean;
  /** Baseline entries by the file their ref names. */
  baselineByFile: Map<string, BaselineEntry[]>;
  /** Calls, modules and imported names that carry secrets (`captured-secret`). */
  secretSources: string[];
}

const PROJECT_OPTION_KEYS = OPTION_KEYS.filter((key) => key !== 'filename');

/** Validates the options of a build strictly (unknown keys are errors that list the valid ones) and applies defaults, once. */
export function resolveProjectOptions(options: TransformerOptions): ProjectOptions {
  if (options === null || typeof options !== 'object') fail('options must be an object');
  checkKeys(options, PROJECT_OPTION_KEYS, 'option');
  const root = path.resolve(options.root ?? process.cwd());

  const written = options.runtimeImport ?? DEFAULT_RUNTIME_IMPORT;
  if (typeof written !== 'function' && (typeof written !== 'string' || written === '')) fail('`runtimeImport` must be a non-empty string');
  const runtimeImport = typeof written === 'function' ? written : () => written;

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
    checkKeys(policy, RULE_POLICY_KEYS, `rule "${glob}"`);
    rules.push({ glob, matches: compileGlob(glob), policy, floor: ruleFloor(glob, policy) });
  }

  let insideActionPaths: ((file: string) => boolean) | null = null;
  if (options.actionPaths !== undefined && options.actionPaths !== null) {
    if (!Array.isArray(options.actionPaths) || options.actionPaths.some((glob) => typeof glob !== 'string')) {
      fail('`actionPaths` must be an array of globs or null');
    }
    insideActionPaths = compileGlob(options.actionPaths);
  }

  const sourceMaps = options.sourceMaps ?? true;
  if (typeof sourceMaps !== 'boolean') fail('`sourceMaps` must be a boolean');
  if (options.baseline !== undefined && (!Array.isArray(options.baseline) || options.baseline.some((e) => typeof e?.ref !== 'string' || typeof e?.check !== 'string'))) {
    fail('`baseline` must be an array of { ref, check, code } entries (parseBaseline() reads action-guard.baseline.json)');
  }
  const baselineByFile = new Map<string, BaselineEntry[]>();
  for (const entry of options.baseline ?? []) {
    const file = refFile(entry.ref);
    baselineByFile.set(file, [...(baselineByFile.get(file) ?? []), entry]);
  }
  const secretSources = options.secretSources ?? [];
  if (!Array.isArray(secretSources) || secretSources.some((entry) => typeof entry !== 'string' || entry.trim() === '')) {
    fail('`secretSources` must be an array of non-empty strings: function names (`getSecret`, `vault.read`), module specifiers or imported names');
  }
  return { root, runtimeImport, rules, checks, insideActionPaths, sourceMaps, baselineByFile, secretSources };
}

/** The options of one file of a build: what differs per file (its path, matching rules, runtime import, baseline). */
export function resolveFileOptions(project: ProjectOptions, filename: string): ResolvedOptions {
  if (typeof filename !== 'string' || filename === '') fail('`filename` must be a non-empty string');
  const absolute = path.resolve(project.root, filename);
  const file = path.relative(project.root, absolute).split(path.sep).join('/');
  const runtimeImport = project.runtimeImport(absolute);
  if (typeof runtimeImport !== 'string' || runtimeImport === '') fail('`runtimeImport` must be a non-empty string');
  return {
    filename: absolute,
    file,
    root: project.root,
    runtimeImport,
    rules: project.rules.filter((rule) => rule.matches(file)),
    checks: project.checks,
    insideActionPaths: project.insideActionPaths?.(file) ?? true,
    sourceMaps: project.sourceMaps,
    baseline: project.baselineByFile.get(file) ?? [],
    secretSources: project.secretSources,
  };
}

/** Validates the options of one file strictly and applies defaults ({@link resolveProjectOptions} for the file). */
export function resolveOptions(options: TransformOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') fail('options must be an object with at least `filename`');
  checkKeys(options, OPTION_KEYS, 'option');
  if (typeof options.filename !== 'string' || options.filename === '') fail('`filename` must be a non-empty string');
  const { filename, ...project } = options;
  return resolveFileOptions(resolveProjectOptions(project), filename);
}
