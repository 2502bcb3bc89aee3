import { promises as nodeFs } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, toTransformerOptions, type ResolvedConfig } from '@action-guard/config';
import { ACTION_GUARD_DIR, formatFinding, gradeFindings, isInsideLoaderReach, isLoaderSourceFile, MANIFEST_FILE } from '@action-guard/contracts';
import { findingsForAction, parseManifest, withoutServerPassedActions, type ActionManifest, type Finding } from '@action-guard/manifest';
import {
  countServerDirectiveCandidates,
  baselineSummary, createTransformer, diagnosticRef, formatDiagnostic, staleBaselineEntries, type ActionRecord, type BaselineEntry, type Diagnostic,
} from '@action-guard/transform';
import type { CommandModule, ParsedArgs } from '../command.js';
import type { CommandContext } from '../context.js';
import { CliError, isNotFound } from '../errors.js';
import { manifestError } from '../read-files.js';
import { anyRevalidates, policyCells } from '../render/policy.js';
import { renderMarkdownTable, renderTable, type Column } from '../render/table.js';
import { toSarif } from '../render/sarif.js';

/** Options of `audit`. */
export interface AuditOptions {
  /** Project root (where next.config and action-guard.config.* live). @default ctx.cwd */
  cwd?: string;
  /** Exit 1 when the baseline lists findings that no longer occur. @default false */
  failOnStale?: boolean;
  /** Analyse as if there were no baseline (what `action-guard baseline` records). @default false */
  ignoreBaseline?: boolean;
}

/** What audit found about `action-guard.baseline.json`. */
export interface AuditBaseline {
  /** Posix path relative to the root. */
  file: string;
  /** Entries that matched a finding of this run (reported as warnings). */
  matched: BaselineEntry[];
  /** Entries that matched nothing: fixed, or the action's ref changed. `action-guard baseline --prune` drops them. */
  stale: BaselineEntry[];
  /** `12 baselined findings in 5 files — …`, or null when nothing matched. */
  summary: string | null;
  /** Whether stale entries fail this run (`--fail-on-stale`). */
  failOnStale: boolean;
}

/** What `audit` found: the same diagnostics the build reports, and every action with its policy. */
export interface AuditResult {
  root: string;
  configFile: string | null;
  /** Source files containing a `use server` or `use cache` directive that were analysed (posix, relative to root). */
  files: string[];
  actions: ActionRecord[];
  diagnostics: Diagnostic[];
  /** The last build's manifest that `manifestFindings` come from (`.next/action-guard/manifest.json`, or a renamed distDir's). */
  manifestFile: string | null;
  /**
   * What only a build can tell, read from the last build's manifest: registered actions nothing guards (AG301, an
   * error unless config relaxes it, for every such entry) and, for actions still in the source, registered actions
   * no client code references (AG304).
   */
  manifestFindings: Finding[];
  /** The baseline applied, or null without one. */
  baseline: AuditBaseline | null;
  errors: number;
  warnings: number;
}

// The build's include rules (isLoaderSourceFile, @action-guard/contracts): no node_modules, module types Next
// compiles, and only files whose text mentions the directive. Dot-directories hold build output (.next, .turbo,
// .vercel) or tooling (.git), never app code.

// A Next dist directory can be renamed (`distDir: 'build'`); it always holds a build manifest. Its compiled chunks
// may still contain the directive text, so it must never be analysed as app code.
const DIST_MARKERS = new Set(['BUILD_ID', 'build-manifest.json', 'app-build-manifest.json']);

// Reads the real file system: the transform and config loading do too, so audit needs a real project on disk.
// Also returns the dist directories it recognised (a renamed distDir holds the last build's manifest).
async function collectCandidates(root: string): Promise<{ files: string[]; distDirs: string[] }> {
  const found: string[] = [];
  const distDirs: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 64) return;
    const entries = await nodeFs.readdir(dir, { withFileTypes: true });
    if (depth > 0 && entries.some((e) => e.isFile() && DIST_MARKERS.has(e.name))) {
      distDirs.push(dir);
      return;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full, depth + 1);
      else if (entry.isFile() && isLoaderSourceFile(path.relative(root, full).split(path.sep).join('/'))) found.push(full);
    }
  };
  await walk(root, 0);
  return { files: found, distDirs };
}

/**
 * The last build's manifest: `.next/action-guard/manifest.json`, else the one in a renamed dist directory. None is
 * fine (no build yet); one that cannot be read or is not a valid manifest is an error (exit 2) naming the field,
 * never skipped: skipping it would hide every unguarded action it lists.
 */
async function readLastManifest(root: string, distDirs: string[]): Promise<{ file: string; manifest: ActionManifest } | null> {
  for (const dir of [path.join(root, '.next'), ...distDirs]) {
    const file = path.join(dir, ACTION_GUARD_DIR, MANIFEST_FILE);
    let text: string;
    try {
      text = await nodeFs.readFile(file, 'utf8');
    } catch (error) {
      if (isNotFound(error)) continue;
      throw new CliError(`cannot read the last build's manifest ${file}: ${(error as Error).message}`, 'check its permissions, or delete it and rebuild');
    }
    try {
      return { file, manifest: parseManifest(text) };
    } catch (error) {
      throw manifestError(file, error);
    }
  }
  return null;
}

/**
 * Findings only a build can produce, taken from the last build's manifest with the build's own words
 * (`findingsForAction`) and graded by the same config. A warning about an entry that is app code whose action is no
 * longer in the source is stale, and skipped. An unguarded entry is never skipped, whatever the source says now:
 * it is what the last build would deploy, and audit's walk may not see every file the bundlers compiled.
 */
function findingsFromManifest(manifest: ActionManifest, actions: ActionRecord[], config: ResolvedConfig): Finding[] {
  const current = new Map(actions.map((a) => [a.ref, a]));
  const findings: Finding[] = [];
  for (const entry of manifest.actions) {
    const source = current.get(entry.ref);
    for (let finding of findingsForAction(entry, config.manifest.failOnUnguarded ? 'error' : 'warning', config.manifest.libraryActions)) {
      const unguarded = finding.name === 'unguarded-action';
      if (!unguarded && isInsideLoaderReach(entry.file) && !source) continue;
      if (unguarded && source?.guarded) {
        finding = { ...finding, fix: `the source guards ${entry.ref} now, but the last build did not: rebuild before you deploy (${finding.fix})` };
      }
      findings.push(finding);
    }
  }
  // The grader the build applies to these findings: only an explicit `checks` entry (or manifest.failOnUnguarded:
  // false) relaxes one.
  return gradeFindings(findings, config.checks);
}

const byPosition = (a: Diagnostic, b: Diagnostic) =>
  a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.code.localeCompare(b.code);

/**
 * Analyses every candidate source file of the project with the build's transform and config, without building,
 * and returns the findings and the actions. Config errors throw (exit 2).
 */
export async function audit(options: AuditOptions, ctx: CommandContext): Promise<AuditResult> {
  const cwd = path.resolve(ctx.cwd, options.cwd ?? '.');
  const stat = await nodeFs.stat(cwd).catch(() => null);
  if (!stat?.isDirectory()) throw new CliError(`--cwd: ${cwd} is not a directory`, 'pass the project root (where next.config and action-guard.config.* live)');
  let config;
  try {
    config = await loadConfig({ cwd });
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, `edit ${error.source} as listed above`, 2);
    // A config file that does not load (a syntax error, a throwing import) is bad input, not a crash of ours.
    throw new CliError(`cannot load the action-guard config in ${cwd}: ${error instanceof Error ? error.message : String(error)}`, 'fix the config file so that it loads (`node` can import it), then run audit again');
  }
  if (options.ignoreBaseline) config = { ...config, baseline: null };
  const files: string[] = [];
  const actions: ActionRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  const candidates = await collectCandidates(config.root);
  // The build's options, resolved once for every file (as the loader does).
  const transformFile = createTransformer(toTransformerOptions(config));
  for (const absolute of candidates.files) {
    const code = await nodeFs.readFile(absolute, 'utf8');
    // Any spelling of "use server" or "use cache" (cache functions are registered, callable by ID, too).
    if (countServerDirectiveCandidates(code) === 0) continue;
    const result = transformFile(code, absolute);
    files.push(path.relative(config.root, absolute).split(path.sep).join('/'));
    actions.push(...result.actions);
    diagnostics.push(...result.diagnostics);
  }
  actions.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
  diagnostics.sort(byPosition);
  const last = await readLastManifest(config.root, candidates.distDirs);
  // The build's own filter: an action Server Components pass on is not unreferenced (manifest server-passed-actions.ts).
  const manifestFindings = last
    ? await withoutServerPassedActions(findingsFromManifest(last.manifest, actions, config), last.manifest.actions, config.root)
    : [];
  const all = [...diagnostics, ...manifestFindings];
  let baseline: AuditBaseline | null = null;
  if (config.baseline) {
    const matched = diagnostics.filter((d) => d.baselined).map((d) => ({ ref: diagnosticRef(d, actions), check: d.name, code: d.code }));
    baseline = {
      file: path.relative(config.root, config.baseline.file).split(path.sep).join('/'),
      matched,
      stale: staleBaselineEntries(config.baseline.findings, matched),
      summary: baselineSummary(matched),
      failOnStale: options.failOnStale === true,
    };
  }
  return {
    root: config.root,
    configFile: config.configFile,
    files,
    actions,
    diagnostics,
    manifestFile: last?.file ?? null,
    manifestFindings,
    baseline,
    errors: all.filter((d) => d.severity === 'error').length,
    warnings: all.filter((d) => d.severity === 'warning').length,
  };
}

const BASELINED_COLUMN: Column<ActionRecord> = { header: 'baselined', cell: (a) => (a.baselined?.length ? a.baselined.join(', ') : '-') };

/** The action table's columns; `revalidates` and `baselined` only when some action has them. */
const actionColumns = (actions: ActionRecord[]): Column<ActionRecord>[] => [
  ...ACTION_COLUMNS,
  ...(anyRevalidates(actions.map((a) => a.policy)) ? [REVALIDATES_COLUMN] : []),
  ...(actions.some((a) => a.baselined?.length) ? [BASELINED_COLUMN] : []),
];

const REVALIDATES_COLUMN: Column<ActionRecord> = { header: 'revalidates', cell: (a) => policyCells.revalidates(a.policy) };

const ACTION_COLUMNS: Column<ActionRecord>[] = [
  { header: 'ref', cell: (a) => a.ref },
  { header: 'kind', cell: (a) => a.kind },
  { header: 'auth', cell: (a) => (a.guarded ? policyCells.auth(a.policy) : 'UNGUARDED') },
  { header: 'roles', cell: (a) => policyCells.roles(a.policy) },
  { header: 'schema', cell: (a) => policyCells.schema(a.policy) },
  { header: 'dedupe', cell: (a) => policyCells.dedupe(a.policy) },
  { header: 'rate limit', cell: (a) => policyCells.rateLimit(a.policy) },
];

function summary(result: AuditResult): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(result.actions.length, 'action')} in ${plural(result.files.length, 'file')}: ${plural(result.errors, 'error')}, ${plural(result.warnings, 'warning')}`;
}

/** The baseline's lines for people: the one-line summary and every stale entry. */
function baselineLines(result: AuditResult): string[] {
  const baseline = result.baseline;
  if (!baseline) return [];
  const lines = baseline.summary ? [baseline.summary] : [];
  if (baseline.stale.length) {
    lines.push(
      `${baseline.stale.length} stale baseline ${baseline.stale.length === 1 ? 'entry' : 'entries'} in ${baseline.file} (the finding no longer occurs; \`action-guard baseline --prune\` removes ${baseline.stale.length === 1 ? 'it' : 'them'}):`,
      ...baseline.stale.map((e) => `  ${e.ref} ${e.code} ${e.check}`),
    );
  }
  return lines;
}

/** Exit code of audit: 1 for an error finding, or for stale baseline entries with `--fail-on-stale`. */
export function auditExitCode(result: AuditResult): 0 | 1 {
  if (result.errors > 0) return 1;
  return result.baseline?.failOnStale && result.baseline.stale.length > 0 ? 1 : 0;
}

/** The `audit` command: `action-guard audit [--cwd DIR] [--format table|json|sarif|markdown]`. */
export const command: CommandModule<AuditResult> = {
  run: (args: ParsedArgs, ctx) => audit({ cwd: args.values.cwd as string | undefined, failOnStale: args.values['fail-on-stale'] === true }, ctx),
  exitCode: auditExitCode,
  render: {
    table: (result) =>
      [
        ...result.diagnostics.map((d) => `${formatDiagnostic(d)}\n`),
        ...(result.manifestFindings.length ? [`From the last build (${result.manifestFile}):\n`] : []),
        ...result.manifestFindings.map((f) => `${formatFinding(f)}\n`),
        result.actions.length ? renderTable(result.actions, actionColumns(result.actions)) : 'No Server Actions found.',
        '',
        ...baselineLines(result),
        summary(result),
      ].join('\n'),
    json: (result) => JSON.stringify(result, null, 2),
    sarif: (result) => JSON.stringify(toSarif([...result.diagnostics, ...result.manifestFindings], result.root), null, 2),
    markdown: (result) =>
      [
        `### action-guard audit`,
        '',
        `**${summary(result)}**`,
        '',
        ...baselineLines(result).map((line) => `${line}  `),
        ...(result.baseline ? [''] : []),
        ...(result.diagnostics.length + result.manifestFindings.length
          ? [
              renderMarkdownTable<Diagnostic | Finding>([...result.diagnostics, ...result.manifestFindings], [
                { header: 'severity', cell: (d) => d.severity },
                { header: 'code', cell: (d) => `${d.code} ${d.name}` },
                { header: 'where', cell: (d) => (d.file ? `${d.file}${d.line ? `:${d.line}:${d.column ?? 1}` : ''}` : '-') },
                { header: 'message', cell: (d) => d.message },
                { header: 'fix', cell: (d) => d.fix },
              ]),
              '',
            ]
          : []),
        result.actions.length ? renderMarkdownTable(result.actions, actionColumns(result.actions)) : '_No Server Actions found._',
      ].join('\n'),
  },
};
