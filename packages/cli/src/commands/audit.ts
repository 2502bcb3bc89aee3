import { promises as nodeFs } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, toTransformOptions, type ResolvedConfig } from '@action-guard/config';
import { findingsForAction, formatFinding, MANIFEST_FILE, parseManifest, type ActionManifest, type Finding } from '@action-guard/manifest';
import { formatDiagnostic, transform, type ActionRecord, type Diagnostic } from '@action-guard/transform';
import type { CommandModule, ParsedArgs } from '../command.js';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { policyCells } from '../render/policy.js';
import { renderMarkdownTable, renderTable, type Column } from '../render/table.js';
import { toSarif } from '../render/sarif.js';

/** Options of `audit`. */
export interface AuditOptions {
  /** Project root (where next.config and action-guard.config.* live). @default ctx.cwd */
  cwd?: string;
}

/** What `audit` found: the same diagnostics the build reports, and every action with its policy. */
export interface AuditResult {
  root: string;
  configFile: string | null;
  /** Source files containing a `use server` directive that were analysed (posix, relative to root). */
  files: string[];
  actions: ActionRecord[];
  diagnostics: Diagnostic[];
  /** The last build's manifest that `manifestFindings` come from, when `.next/action-guard/manifest.json` exists. */
  manifestFile: string | null;
  /**
   * What only a build can tell, read from the last build's manifest and limited to actions still in the source:
   * registered actions no client code references (AG304) and registered actions nothing guards (AG301).
   */
  manifestFindings: Finding[];
  errors: number;
  warnings: number;
}

// The build's include rules: the webpack rule excludes node_modules, the Turbopack rule is `not: 'foreign'`, and
// both only transform files whose text mentions the directive (packages/next). Dot-directories hold build output
// (.next, .turbo, .vercel) or tooling (.git), never app code.
const SOURCE_FILE = /\.(?:[cm]?[jt]s|[jt]sx)$/;
const DECLARATION_FILE = /\.d\.[cm]?ts$/;
const USE_SERVER = /['"]use server['"]/;

// A Next dist directory can be renamed (`distDir: 'build'`); it always holds a build manifest. Its compiled chunks
// may still contain the directive text, so it must never be analysed as app code.
const DIST_MARKERS = new Set(['BUILD_ID', 'build-manifest.json', 'app-build-manifest.json']);

// Reads the real file system: the transform and config loading do too, so audit needs a real project on disk.
async function collectCandidates(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 64) return;
    const entries = await nodeFs.readdir(dir, { withFileTypes: true });
    if (depth > 0 && entries.some((e) => e.isFile() && DIST_MARKERS.has(e.name))) return;
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full, depth + 1);
      else if (entry.isFile() && SOURCE_FILE.test(entry.name) && !DECLARATION_FILE.test(entry.name)) found.push(full);
    }
  };
  await walk(root, 0);
  return found;
}

async function readLastManifest(root: string): Promise<{ file: string; manifest: ActionManifest } | null> {
  const file = path.join(root, '.next', 'action-guard', MANIFEST_FILE);
  try {
    return { file, manifest: parseManifest(await nodeFs.readFile(file, 'utf8')) };
  } catch {
    return null; // no build yet, or not a manifest: the source findings stand on their own
  }
}

/**
 * Findings only a build can produce, taken from the last build's manifest with the build's own words
 * (`findingsForAction`) and graded by the same config. An entry is stale, and skipped, when it is app code whose
 * action is no longer in the source, or when the source now guards an action the build could not.
 */
function findingsFromManifest(manifest: ActionManifest, actions: ActionRecord[], config: ResolvedConfig): Finding[] {
  const current = new Map(actions.map((a) => [a.ref, a]));
  const isAppCode = (file: string) => !file.startsWith('../') && !file.split('/').includes('node_modules');
  const findings: Finding[] = [];
  for (const entry of manifest.actions) {
    const source = current.get(entry.ref);
    if (isAppCode(entry.file) && !source) continue;
    for (const finding of findingsForAction(entry, config.manifest.failOnUnguarded ? 'error' : 'warning')) {
      if (finding.name === 'unguarded-action' && source?.guarded) continue;
      // The same grading the build applies to these findings (packages/next gradeFindings).
      const configured = config.checks[finding.name];
      if (configured === 'off') continue;
      findings.push(configured ? { ...finding, severity: configured === 'error' ? 'error' : 'warning' } : finding);
    }
  }
  return findings;
}

const byPosition = (a: Diagnostic, b: Diagnostic) =>
  a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.code.localeCompare(b.code);

/**
 * Analyses every candidate source file of the project with the build's transform and config, without building,
 * and returns the findings and the actions. Config errors throw (exit 2).
 */
export async function audit(options: AuditOptions, ctx: CommandContext): Promise<AuditResult> {
  const cwd = path.resolve(ctx.cwd, options.cwd ?? '.');
  let config;
  try {
    config = await loadConfig({ cwd });
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, `edit ${error.source} as listed above`, 2);
    throw error;
  }
  const files: string[] = [];
  const actions: ActionRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const absolute of await collectCandidates(config.root)) {
    const code = await nodeFs.readFile(absolute, 'utf8');
    if (!USE_SERVER.test(code)) continue;
    const result = transform(code, toTransformOptions(config, absolute));
    files.push(path.relative(config.root, absolute).split(path.sep).join('/'));
    actions.push(...result.actions);
    diagnostics.push(...result.diagnostics);
  }
  actions.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
  diagnostics.sort(byPosition);
  const last = await readLastManifest(config.root);
  const manifestFindings = last ? findingsFromManifest(last.manifest, actions, config) : [];
  const all = [...diagnostics, ...manifestFindings];
  return {
    root: config.root,
    configFile: config.configFile,
    files,
    actions,
    diagnostics,
    manifestFile: last?.file ?? null,
    manifestFindings,
    errors: all.filter((d) => d.severity === 'error').length,
    warnings: all.filter((d) => d.severity === 'warning').length,
  };
}

const ACTION_COLUMNS: Column<ActionRecord>[] = [
  { header: 'ref', cell: (a) => a.ref },
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

/** The `audit` command: `action-guard audit [--cwd DIR] [--format table|json|sarif|markdown]`. */
export const command: CommandModule<AuditResult> = {
  run: (args: ParsedArgs, ctx) => audit({ cwd: args.values.cwd as string | undefined }, ctx),
  exitCode: (result) => (result.errors > 0 ? 1 : 0),
  render: {
    table: (result) =>
      [
        ...result.diagnostics.map((d) => `${formatDiagnostic(d)}\n`),
        ...(result.manifestFindings.length ? [`From the last build (${result.manifestFile}):\n`] : []),
        ...result.manifestFindings.map((f) => `${formatFinding(f)}\n`),
        result.actions.length ? renderTable(result.actions, ACTION_COLUMNS) : 'No Server Actions found.',
        '',
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
        result.actions.length ? renderMarkdownTable(result.actions, ACTION_COLUMNS) : '_No Server Actions found._',
      ].join('\n'),
  },
};
