import type { ActionManifest, ManifestAction } from '@action-guard/manifest';
import type { CommandModule } from '../command.js';
import type { CommandContext } from '../context.js';
import { loadManifest } from '../read-files.js';
import { anyRevalidates, policyCells } from '../render/policy.js';
import { markdownCell, renderMarkdownTable, renderTable, type Column } from '../render/table.js';

/** What `manifest show` returns. */
export interface ShowResult {
  file: string;
  /** True when the file was a DSSE envelope and its payload was shown without checking the signature. */
  unverifiedEnvelope: boolean;
  manifest: ActionManifest;
}

/** Reads a manifest (file, directory, or envelope; default `.next/action-guard`). */
export async function showManifest(options: { file?: string }, ctx: CommandContext): Promise<ShowResult> {
  return loadManifest(ctx, options.file);
}

/** Columns of the action table of a manifest. */
export const MANIFEST_ACTION_COLUMNS: Column<ManifestAction>[] = [
  { header: 'ref', cell: (a) => a.ref },
  { header: 'id', cell: (a) => `${a.id.slice(0, 10)}…` },
  { header: 'kind', cell: (a) => a.kind },
  { header: 'auth', cell: (a) => (a.guarded ? policyCells.auth(a.policy) : 'UNGUARDED') },
  { header: 'roles', cell: (a) => policyCells.roles(a.policy) },
  { header: 'schema', cell: (a) => policyCells.schema(a.policy) },
  { header: 'dedupe', cell: (a) => policyCells.dedupe(a.policy) },
  { header: 'rate limit', cell: (a) => policyCells.rateLimit(a.policy) },
  { header: 'client', cell: (a) => (a.referencedByClient ? 'yes' : 'no') },
];

/** The columns for these actions: `revalidates` only when some action has targets (older manifests look as they did). */
function manifestColumns(actions: readonly ManifestAction[]): Column<ManifestAction>[] {
  if (!anyRevalidates(actions.map((a) => a.policy))) return MANIFEST_ACTION_COLUMNS;
  const columns = [...MANIFEST_ACTION_COLUMNS];
  columns.splice(columns.length - 1, 0, { header: 'revalidates', cell: (a) => policyCells.revalidates(a.policy) });
  return columns;
}

// `text` escapes the fields read from the file for the output format (Markdown for a PR comment; the entry has already
// escaped control characters for every format).
function header(result: ShowResult, text: (value: string) => string = (v) => v): string[] {
  const m = result.manifest;
  return [
    `${text(result.file)}${result.unverifiedEnvelope ? ' (envelope payload, signature NOT verified: use `manifest verify`)' : ''}`,
    `next ${text(m.next.version)} (${m.bundler}), build ${text(m.buildId ?? 'unknown')}, commit ${text(m.gitCommit ?? 'unknown')}, created ${text(m.createdAt)}`,
    `encryption key: ${m.encryptionKey ? `${text(m.encryptionKey.fingerprint)} (${m.encryptionKey.source})` : 'unknown'}`,
    `${m.actions.length} actions, ${m.actions.filter((a) => !a.guarded).length} unguarded, ${m.actions.filter((a) => !a.referencedByClient).length} not referenced by client code`,
  ];
}

/** The `manifest show [FILE]` command. */
export const command: CommandModule<ShowResult> = {
  run: (args, ctx) => showManifest({ file: args.positionals[0] }, ctx),
  exitCode: () => 0,
  render: {
    table: (r) => [...header(r), '', renderTable(r.manifest.actions, manifestColumns(r.manifest.actions))].join('\n'),
    json: (r) => JSON.stringify(r.manifest, null, 2),
    markdown: (r) => [...header(r, markdownCell).map((l) => `${l}  `), '', renderMarkdownTable(r.manifest.actions, manifestColumns(r.manifest.actions))].join('\n'),
  },
};
