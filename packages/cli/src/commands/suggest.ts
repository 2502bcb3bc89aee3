import { promises as nodeFs } from 'node:fs';
import path from 'node:path';
import { loadConfig, toTransformOptions } from '@action-guard/config';
import { checkModule, diagnosticRef } from '@action-guard/transform';
import type { CommandModule, ParsedArgs } from '../command.js';
import type { CommandContext } from '../context.js';
import { unifiedDiff } from '../init/unified-diff.js';
import { findFunction, proposeTags, viewModule, type ModuleView, type Proposal } from '../suggest/analyze-action.js';
import { mergeTags } from '../suggest/merge-tags.js';
import { audit } from './audit.js';
import { writeBaseline } from './baseline.js';

/** One action `suggest` looked at. */
export interface ActionSuggestion {
  ref: string;
  /** The findings it has now: `missing-auth-decision`, `missing-schema`. */
  missing: string[];
  proposals: Proposal[];
  /** What a person must decide (`@public <reason>` or an auth tag; a schema): never guessed. */
  needsDecision: string[];
}

/** What `suggest` found, and with `--write` did. */
export interface SuggestResult {
  actions: ActionSuggestion[];
  /** Unified diffs of the edits, one line per entry. */
  diff: string[];
  written: boolean;
  /** Baseline entries the written tags resolved (removed from action-guard.baseline.json). */
  resolvedBaselineEntries: number;
}

/**
 * For each action without an auth decision or a schema, reads its body (and same-module helpers it calls) and
 * proposes `@requiresAuth`, `@role <name>` or `@schema <Name>` with the `file:line` evidence; with `write`, merges
 * them into the JSDoc blocks and prunes the baseline entries they resolved. Precision over recall: nothing is
 * proposed for a body that lets an anonymous caller through on some path, and `@public` never.
 */
export async function suggest(options: { cwd?: string; write?: boolean }, ctx: CommandContext): Promise<SuggestResult> {
  const result = await audit({ cwd: options.cwd, ignoreBaseline: true }, ctx);
  const config = await loadConfig({ cwd: result.root });
  const missingByRef = new Map<string, Set<string>>();
  for (const d of result.diagnostics) {
    if (d.name !== 'missing-auth-decision' && d.name !== 'missing-schema') continue;
    const ref = diagnosticRef(d, result.actions);
    missingByRef.set(ref, (missingByRef.get(ref) ?? new Set()).add(d.name));
  }
  const views = new Map<string, { code: string; view: ModuleView }>();
  const suggestions: ActionSuggestion[] = [];
  for (const action of result.actions) {
    const missing = missingByRef.get(action.ref);
    if (!missing) continue;
    let entry = views.get(action.file);
    if (!entry) {
      const code = await nodeFs.readFile(path.join(result.root, action.file), 'utf8');
      entry = { code, view: viewModule(code, action.file) };
      views.set(action.file, entry);
    }
    const fn = findFunction(entry.view, action.loc);
    const needsAuth = missing.has('missing-auth-decision');
    const needsSchema = missing.has('missing-schema');
    const proposals = fn ? proposeTags(fn, entry.view, { needsAuth, needsSchema, authFunctions: config.authFunctions }) : [];
    const needsDecision: string[] = [];
    if (needsAuth && !proposals.some((p) => p.tag !== '@schema')) needsDecision.push('auth: @public <reason> or @requiresAuth/@role/@authorize');
    if (needsSchema && !proposals.some((p) => p.tag === '@schema')) needsDecision.push('schema: @schema <Name> (one per parameter)');
    suggestions.push({ ref: action.ref, missing: [...missing].sort(), proposals, needsDecision });
  }

  const diff: string[] = [];
  const edited = new Map<string, string>();
  for (const [file, { code }] of views) {
    const tagsByRef = new Map(suggestions.filter((s) => s.ref.startsWith(`${file}#`) && s.proposals.length).map((s) => [s.ref, s.proposals.map((p) => p.text)]));
    if (tagsByRef.size === 0) continue;
    const { sites } = checkModule(code, toTransformOptions(config, path.join(result.root, file)));
    let next = code;
    // From the end of the file, so earlier offsets stay valid.
    for (const site of [...sites].sort((a, b) => b.docAnchor - a.docAnchor)) {
      const tags = tagsByRef.get(site.ref);
      if (tags) next = mergeTags(next, site, tags);
    }
    if (next !== code) {
      edited.set(file, next);
      diff.push(...unifiedDiff(file, code, next).split('\n').slice(0, -1));
    }
  }
  let resolvedBaselineEntries = 0;
  if (options.write && edited.size > 0) {
    for (const [file, text] of edited) await ctx.fs.writeFile(path.join(result.root, file), text);
    if (config.baseline) resolvedBaselineEntries = (await writeBaseline({ cwd: result.root, prune: true }, ctx)).removed.length;
  }
  return { actions: suggestions, diff, written: options.write === true && edited.size > 0, resolvedBaselineEntries };
}

function renderTable(result: SuggestResult): string {
  const lines: string[] = [];
  for (const action of result.actions) {
    lines.push(`${action.ref} (${action.missing.join(', ')})`);
    for (const proposal of action.proposals) {
      lines.push(`  propose ${proposal.text}`, ...proposal.evidence.map((e) => `    seen: ${e}`));
    }
    for (const decision of action.needsDecision) lines.push(`  needs a decision: ${decision}`);
  }
  if (result.actions.length === 0) lines.push('Every action has an auth decision and a schema.');
  const proposed = result.actions.reduce((n, a) => n + a.proposals.length, 0);
  const decisions = result.actions.filter((a) => a.needsDecision.length).length;
  lines.push('', `${proposed} tag${proposed === 1 ? '' : 's'} proposed for ${result.actions.filter((a) => a.proposals.length).length} actions; ${decisions} action${decisions === 1 ? '' : 's'} need a decision by a person.`);
  if (result.diff.length) lines.push('', ...result.diff);
  if (result.written) lines.push('', `Wrote the tags${result.resolvedBaselineEntries ? `; removed ${result.resolvedBaselineEntries} baseline entries they resolved` : ''}.`);
  else if (result.diff.length) lines.push('', 'action-guard suggest --write applies these edits and prunes the baseline entries they resolve.');
  return lines.join('\n');
}

/** The `suggest` command: `action-guard suggest [--cwd DIR] [--write]`. */
export const command: CommandModule<SuggestResult> = {
  run: (args: ParsedArgs, ctx) => suggest({ cwd: args.values.cwd as string | undefined, write: args.values.write === true }, ctx),
  exitCode: () => 0,
  render: { table: renderTable, json: (result) => JSON.stringify(result, null, 2) },
};
