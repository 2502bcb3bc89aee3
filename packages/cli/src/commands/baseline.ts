import path from 'node:path';
import { BASELINE_FILE_NAME, baselineEntriesFor, baselineKey, parseBaseline, serializeBaseline, type BaselineEntry } from '@action-guard/transform';
import type { CommandModule, ParsedArgs } from '../command.js';
import type { CommandContext } from '../context.js';
import { CliError, isNotFound } from '../errors.js';
import { audit } from './audit.js';

/** What `baseline` did. */
export interface BaselineResult {
  /** Posix path of the file, relative to the root. */
  file: string;
  /** Whether the file changed on disk. */
  written: boolean;
  /** `--prune`: only entries that no longer match were removed; nothing was added. */
  prune: boolean;
  added: BaselineEntry[];
  removed: BaselineEntry[];
  /** Entries in the file now. */
  total: number;
  /** Files the entries are in. */
  files: number;
}

/**
 * Records every current error finding of the project (the same analysis as `audit` and the build, without the
 * baseline) in `action-guard.baseline.json`; with `prune`, only removes entries that match no finding any more and
 * never adds one, so a CI step or a person can shrink the file without accepting anything new.
 */
export async function writeBaseline(options: { cwd?: string; prune?: boolean }, ctx: CommandContext): Promise<BaselineResult> {
  const result = await audit({ cwd: options.cwd, ignoreBaseline: true }, ctx);
  const file = path.join(result.root, BASELINE_FILE_NAME);
  let previousText: string | null = null;
  try {
    previousText = await ctx.fs.readFile(file, 'utf8');
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  let previous: BaselineEntry[] = [];
  if (previousText !== null) {
    try {
      previous = parseBaseline(previousText).findings;
    } catch (error) {
      throw new CliError(`${file}: ${(error as Error).message}`, 'fix the field named above, or delete the file and run `action-guard baseline` again');
    }
  }
  const current = baselineEntriesFor(result.diagnostics, result.actions);
  const currentKeys = new Set(current.map((e) => baselineKey(e.ref, e.check)));
  const previousKeys = new Set(previous.map((e) => baselineKey(e.ref, e.check)));
  const next = options.prune ? previous.filter((e) => currentKeys.has(baselineKey(e.ref, e.check))) : current;
  const nextKeys = new Set(next.map((e) => baselineKey(e.ref, e.check)));
  const text = serializeBaseline(next);
  const written = text !== previousText && !(previousText === null && next.length === 0 && options.prune);
  if (written) await ctx.fs.writeFile(file, text);
  return {
    file: BASELINE_FILE_NAME,
    written,
    prune: options.prune === true,
    added: next.filter((e) => !previousKeys.has(baselineKey(e.ref, e.check))),
    removed: previous.filter((e) => !nextKeys.has(baselineKey(e.ref, e.check))),
    total: next.length,
    files: new Set(next.map((e) => e.ref.split('#')[0])).size,
  };
}

function renderTable(result: BaselineResult): string {
  const lines: string[] = [];
  for (const e of result.added) lines.push(`+ ${e.ref} ${e.code} ${e.check}`);
  for (const e of result.removed) lines.push(`- ${e.ref} ${e.code} ${e.check}`);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  lines.push(
    result.written
      ? `Wrote ${result.file}: ${plural(result.total, 'finding')} in ${plural(result.files, 'file')} (${result.added.length} added, ${result.removed.length} removed).`
      : `${result.file} is up to date: ${plural(result.total, 'finding')} in ${plural(result.files, 'file')}.`,
  );
  if (!result.prune && result.total > 0) {
    lines.push('The build reports these as warnings; anything new fails it. Commit the file; `action-guard suggest` proposes tags for many of them.');
  }
  return lines.join('\n');
}

/** The `baseline` command: `action-guard baseline [--cwd DIR] [--prune]`. */
export const command: CommandModule<BaselineResult> = {
  run: (args: ParsedArgs, ctx) => writeBaseline({ cwd: args.values.cwd as string | undefined, prune: args.values.prune === true }, ctx),
  exitCode: () => 0,
  render: { table: renderTable, json: (result) => JSON.stringify(result, null, 2) },
};
