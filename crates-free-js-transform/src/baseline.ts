/**
 * The baseline file, `action-guard.baseline.json` at the project root: the findings an app had when it adopted
 * action-guard, one entry per action and check. This is the ONE module that knows its format: the transform applies
 * it (so the build's loader, `action-guard audit` and anything else that calls `transform()` agree), the config
 * package reads the file, `action-guard baseline` writes it, and the ESLint plugin imports it from
 * `@action-guard/transform/baseline` (pure, no parser). docs/adopting.md describes it for people.
 *
 * What must stay true: an entry matches by `ref` and check name only (an action whose file or signature moved keeps
 * its entry only if its ref is the same); a matched finding becomes a warning marked `baselined`, an unmatched one
 * fails exactly as without a baseline; the file has no absolute paths and no timestamps, and is written in one
 * stable order so a pull request shows exactly the entries that came and went.
 */
import type { ActionRecord, BaselineEntry, CheckName, Diagnostic, NormalizedPolicy } from './types.js';

/** The file name, at the project root (the directory of next.config and action-guard.config). */
export const BASELINE_FILE_NAME = 'action-guard.baseline.json';

/** The format version this module reads and writes. */
export const BASELINE_VERSION = 1;

export type { BaselineEntry };

/** The parsed file. */
export interface Baseline {
  version: typeof BASELINE_VERSION;
  findings: BaselineEntry[];
}

/** The file is not a baseline this version can read; `path` names the field (`findings[3].ref`). */
export class BaselineFormatError extends Error {
  override name = 'BaselineFormatError';
  constructor(
    message: string,
    /** The field at fault, `''` for the document. */
    readonly path: string,
  ) {
    super(path ? `${path}: ${message}` : message);
  }
}

/** The reason a baselined action without an auth decision carries as its `@public` reason (manifest, audit). */
export const BASELINED_PUBLIC_REASON = 'baselined: no auth decision yet (action-guard.baseline.json)';

const ENTRY_KEYS = ['ref', 'check', 'code'];

/** Parses and checks the file strictly: unknown fields, a wrong version, absolute paths and duplicates are errors. */
export function parseBaseline(text: string): Baseline {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BaselineFormatError(`not JSON: ${(error as Error).message}`, '');
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(value)) throw new BaselineFormatError('expected an object { "version": 1, "findings": [...] }', '');
  for (const key of Object.keys(value)) {
    if (key !== 'version' && key !== 'findings') throw new BaselineFormatError(`unknown field; valid fields are version, findings`, key);
  }
  if (value.version !== BASELINE_VERSION) {
    throw new BaselineFormatError(`expected ${BASELINE_VERSION}, got ${JSON.stringify(value.version) ?? 'nothing'}; this version of action-guard reads version ${BASELINE_VERSION}`, 'version');
  }
  if (!Array.isArray(value.findings)) throw new BaselineFormatError('expected an array', 'findings');
  const seen = new Set<string>();
  const findings = value.findings.map((entry: unknown, index: number): BaselineEntry => {
    const at = `findings[${index}]`;
    if (!isObject(entry)) throw new BaselineFormatError('expected an object { "ref", "check", "code" }', at);
    for (const key of Object.keys(entry)) {
      if (!ENTRY_KEYS.includes(key)) throw new BaselineFormatError(`unknown field; valid fields are ${ENTRY_KEYS.join(', ')}`, `${at}.${key}`);
    }
    for (const key of ENTRY_KEYS) {
      if (typeof entry[key] !== 'string' || entry[key] === '') throw new BaselineFormatError('expected a non-empty string', `${at}.${key}`);
    }
    const ref = entry.ref as string;
    if (ref.startsWith('/') || /^[A-Za-z]:[\\/]/.test(ref) || ref.includes('\\') || ref.split('#')[0]!.split('/').includes('..')) {
      throw new BaselineFormatError(`expected a path relative to the project root, got ${JSON.stringify(ref)}`, `${at}.ref`);
    }
    const key = baselineKey(ref, entry.check as string);
    if (seen.has(key)) throw new BaselineFormatError(`${ref} ${String(entry.check)} is listed twice`, at);
    seen.add(key);
    return { ref, check: entry.check as CheckName, code: entry.code as string };
  });
  return { version: BASELINE_VERSION, findings };
}

const compareEntries = (a: BaselineEntry, b: BaselineEntry): number =>
  a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : a.check < b.check ? -1 : a.check > b.check ? 1 : 0;

/** The file's text: entries sorted by ref then check, one per line, so a pull request diff is one line per entry. */
export function serializeBaseline(entries: readonly BaselineEntry[]): string {
  const unique = new Map(entries.map((e) => [baselineKey(e.ref, e.check), { ref: e.ref, check: e.check, code: e.code }]));
  const sorted = [...unique.values()].sort(compareEntries);
  const lines = sorted.map((entry, index) => `    ${JSON.stringify(entry)}${index < sorted.length - 1 ? ',' : ''}`);
  return `{\n  "version": ${BASELINE_VERSION},\n  "findings": [${lines.length ? `\n${lines.join('\n')}\n  ` : ''}]\n}\n`;
}

/** The key an entry and a finding are matched by. */
export function baselineKey(ref: string, check: string): string {
  return `${ref}\u0000${check}`;
}

/** The file part of a ref (`app/page.tsx#Page/save` → `app/page.tsx`). */
export function refFile(ref: string): string {
  const hash = ref.indexOf('#');
  return hash === -1 ? ref : ref.slice(0, hash);
}

/**
 * The ref a diagnostic is about. Every per-action message names its action (`action "save"`, `inline action
 * "Page/save"`, the label resolve-policy and check-module put in them); otherwise the action that starts where the
 * diagnostic points (AG101 and AG102 are reported at the function), else the first action at or below it (a tag in
 * the JSDoc above); a finding about the file (unparseable-module, server-module-outside-paths) gets the file.
 */
export function diagnosticRef(diagnostic: Diagnostic, actions: readonly ActionRecord[]): string {
  const inFile = actions.filter((a) => a.file === diagnostic.file);
  const named = /(?:^|\s|@\S+ on )(?:(inline) )?action "([^"]+)"/.exec(diagnostic.message);
  if (named) {
    const ref = `${diagnostic.file}#${named[2]}`;
    if (inFile.some((a) => a.ref === ref)) return ref;
  }
  const at = inFile.find((a) => a.loc.line === diagnostic.line && a.loc.column === diagnostic.column - 1);
  if (at) return at.ref;
  if (diagnostic.name === 'unparseable-module' || diagnostic.name === 'server-module-outside-paths') return diagnostic.file;
  const below = inFile
    .filter((a) => a.loc.line > diagnostic.line || (a.loc.line === diagnostic.line && a.loc.column >= diagnostic.column - 1))
    .sort((a, b) => a.loc.line - b.loc.line || a.loc.column - b.loc.column)[0];
  return below?.ref ?? diagnostic.file;
}

/** The entries that record these findings: every error-severity diagnostic, one per action and check. */
export function baselineEntriesFor(diagnostics: readonly Diagnostic[], actions: readonly ActionRecord[]): BaselineEntry[] {
  return diagnostics
    .filter((d) => d.severity === 'error' || d.baselined === true)
    .map((d) => ({ ref: diagnosticRef(d, actions), check: d.name, code: d.code }));
}

/** What {@link applyBaseline} did to one module's results. */
export interface AppliedBaseline {
  /** The diagnostics, a matched error now a warning with `baselined: true`. */
  diagnostics: Diagnostic[];
  /** The actions, a baselined one with `baselined` (its checks) and, lacking an auth decision, the baselined public policy. */
  actions: ActionRecord[];
  /** Entries of this module's file that matched a finding. */
  matched: BaselineEntry[];
  /** Entries of this module's file that matched nothing (stale: the finding is fixed, or the ref changed). */
  stale: BaselineEntry[];
}

/**
 * Applies the baseline to one module's findings and actions. A matched finding becomes a warning marked
 * `baselined`; its action records the baselined checks. An action baselined for `missing-auth-decision` keeps the
 * behaviour it had before action-guard (callers without a session get through, as they did), so its policy is
 * written out as what it is, public with {@link BASELINED_PUBLIC_REASON}: the manifest, `manifest diff`
 * (`weakened` when an action enters the baseline) and audit all see it. The records are changed in place so the
 * code generated from them (the guard's metadata) agrees; the diagnostics are new objects.
 */
export function applyBaseline(entries: readonly BaselineEntry[], file: string, actions: ActionRecord[], diagnostics: readonly Diagnostic[]): AppliedBaseline {
  const own = entries.filter((e) => refFile(e.ref) === file);
  if (own.length === 0) return { diagnostics: [...diagnostics], actions, matched: [], stale: [] };
  const byKey = new Map(own.map((e) => [baselineKey(e.ref, e.check), e]));
  const matchedKeys = new Set<string>();
  const checksByRef = new Map<string, Set<CheckName>>();
  const result = diagnostics.map((diagnostic) => {
    if (diagnostic.severity !== 'error') return diagnostic;
    const ref = diagnosticRef(diagnostic, actions);
    const key = baselineKey(ref, diagnostic.name);
    if (!byKey.has(key)) return diagnostic;
    matchedKeys.add(key);
    checksByRef.set(ref, (checksByRef.get(ref) ?? new Set()).add(diagnostic.name));
    return { ...diagnostic, severity: 'warning' as const, baselined: true as const };
  });
  for (const action of actions) {
    const checks = checksByRef.get(action.ref);
    if (!checks) continue;
    action.baselined = [...checks].sort();
    if (checks.has('missing-auth-decision')) action.policy = baselinedPublicPolicy(action.policy);
  }
  return {
    diagnostics: result,
    actions,
    matched: own.filter((e) => matchedKeys.has(baselineKey(e.ref, e.check))),
    stale: own.filter((e) => !matchedKeys.has(baselineKey(e.ref, e.check))),
  };
}

function baselinedPublicPolicy(policy: NormalizedPolicy): NormalizedPolicy {
  return { ...policy, auth: 'public', publicReason: BASELINED_PUBLIC_REASON };
}

/** Entries that matched nothing, given every matched key of a whole-project run (audit, the build). */
export function staleBaselineEntries(entries: readonly BaselineEntry[], matched: Iterable<BaselineEntry>): BaselineEntry[] {
  const keys = new Set([...matched].map((e) => baselineKey(e.ref, e.check)));
  return entries.filter((e) => !keys.has(baselineKey(e.ref, e.check)));
}

/** The one line a build or audit prints about the baseline: `12 baselined findings in 5 files — …`. */
export function baselineSummary(matched: readonly BaselineEntry[]): string | null {
  if (matched.length === 0) return null;
  const files = new Set(matched.map((e) => refFile(e.ref))).size;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(matched.length, 'baselined finding')} in ${plural(files, 'file')} — \`action-guard baseline --prune\` after fixing`;
}
