import { REPOSITORY_URL } from '@action-guard/contracts';
import { CHANGE_CLASSES, diffManifests, type ChangeClass, type ManifestChange, type ManifestDiff } from '@action-guard/manifest';
import type { Log } from 'sarif';
import pkg from '../../package.json' with { type: 'json' };
import type { CommandModule } from '../command.js';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { loadManifest } from '../read-files.js';
import { renderMarkdownTable, renderTable, type Column } from '../render/table.js';

/** The classes that fail `diff` unless `--fail-on` says otherwise (the CI recipe's gate). */
export const DEFAULT_FAIL_ON: readonly ChangeClass[] = ['added-public', 'weakened'];

/** Options of `manifest diff`. */
export interface DiffOptions {
  old: string;
  new: string;
  /** Classes that make the command exit 1. @default ['added-public', 'weakened'] */
  failOn?: readonly ChangeClass[];
}

/** What `manifest diff` returns. */
export interface DiffResult extends ManifestDiff {
  oldFile: string;
  newFile: string;
  failOn: ChangeClass[];
  /** Changes whose class is in `failOn`. */
  failing: ManifestChange[];
}

/** Parses `--fail-on added,weakened` strictly: an unknown class is a usage error listing the valid ones. */
export function parseFailOn(value: string | undefined): ChangeClass[] {
  if (value === undefined) return [...DEFAULT_FAIL_ON];
  if (value.trim() === '' || value === 'none') return [];
  const classes = value.split(',').map((c) => c.trim());
  const unknown = classes.filter((c) => !CHANGE_CLASSES.includes(c as ChangeClass));
  if (unknown.length) {
    throw new CliError(`--fail-on: unknown change class ${unknown.map((u) => `"${u}"`).join(', ')}`, `use a comma-separated list of ${CHANGE_CLASSES.join(', ')} (or none)`);
  }
  return classes as ChangeClass[];
}

/** Loads two manifests (files, directories or envelopes) and classifies every change between them. */
export async function diffManifestFiles(options: DiffOptions, ctx: CommandContext): Promise<DiffResult> {
  const [before, after] = await Promise.all([loadManifest(ctx, options.old), loadManifest(ctx, options.new)]);
  const diff = diffManifests(before.manifest, after.manifest);
  const failOn = [...(options.failOn ?? DEFAULT_FAIL_ON)];
  return { ...diff, oldFile: before.file, newFile: after.file, failOn, failing: diff.changes.filter((c) => failOn.includes(c.class)) };
}

const CHANGE_COLUMNS: Column<ManifestChange>[] = [
  { header: 'change', cell: (c) => c.class },
  { header: 'ref', cell: (c) => c.ref },
  { header: 'details', cell: (c) => c.reasons.join('; ') },
];

function summary(r: DiffResult): string {
  const counts = CHANGE_CLASSES.filter((c) => r.counts[c] > 0).map((c) => `${r.counts[c]} ${c}`);
  const verdict = r.failing.length ? `FAILED: ${r.failing.length} change(s) in --fail-on (${r.failOn.join(', ')})` : 'passed';
  return `${counts.length ? counts.join(', ') : 'no changes'} — ${verdict}`;
}

// SARIF for a diff: one result per change, as a rule of its own (the change class), located at the action's file.
function diffSarif(r: DiffResult): Log {
  const rules = CHANGE_CLASSES.map((c) => ({ id: `manifest-${c}`, name: c, shortDescription: { text: `A Server Action change classified as ${c}.` } }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'action-guard', version: pkg.version, informationUri: REPOSITORY_URL, rules } },
        results: r.changes.map((c) => ({
          ruleId: `manifest-${c.class}`,
          ruleIndex: CHANGE_CLASSES.indexOf(c.class),
          level: r.failOn.includes(c.class) ? ('error' as const) : ('note' as const),
          message: { text: `${c.ref}: ${c.reasons.join('; ')}` },
          locations: [{ physicalLocation: { artifactLocation: { uri: c.file.split('/').map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' } } }],
        })),
      },
    ],
  };
}

/** The `manifest diff OLD NEW [--fail-on …] [--format …]` command. */
export const command: CommandModule<DiffResult> = {
  run: (args, ctx) => {
    const [oldFile, newFile] = args.positionals;
    if (!oldFile || !newFile) {
      throw new CliError('manifest diff needs two manifests: OLD and NEW', 'run `action-guard manifest diff last-deploy/manifest.json .next/action-guard/manifest.json`');
    }
    return diffManifestFiles({ old: oldFile, new: newFile, failOn: parseFailOn(args.values['fail-on'] as string | undefined) }, ctx);
  },
  exitCode: (r) => (r.failing.length ? 1 : 0),
  render: {
    table: (r) => [`${r.oldFile} → ${r.newFile}`, '', ...(r.changes.length ? [renderTable(r.changes, CHANGE_COLUMNS, 100), ''] : []), summary(r)].join('\n'),
    json: (r) => JSON.stringify(r, null, 2),
    sarif: (r) => JSON.stringify(diffSarif(r), null, 2),
    markdown: (r) =>
      [
        '### action-guard: Server Action changes',
        '',
        `**${summary(r)}**`,
        '',
        r.changes.length ? renderMarkdownTable(r.changes, CHANGE_COLUMNS) : '_No changes to Server Actions._',
      ].join('\n'),
  },
};
