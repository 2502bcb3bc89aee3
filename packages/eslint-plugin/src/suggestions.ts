import { POLICY_TAGS, suggestTag, type CheckedSite, type Diagnostic, type ModuleCheck } from '@action-guard/transform';

/** One text edit: replace `range` (offsets into the source) with `text`. */
export interface TextEdit {
  range: [number, number];
  text: string;
}

/** A suggestion for one diagnostic: an ESLint message id, its data, and the edit. */
export interface Suggestion {
  messageId: SuggestionMessageId;
  data: Record<string, string>;
  edit: TextEdit;
}

/** The suggestion messages every rule declares (ESLint looks them up by id). */
export const SUGGESTION_MESSAGES = {
  renameTag: 'Rename @{{from}} to @{{to}}.',
  addRequiresAuth: 'Add @requiresAuth to the JSDoc block of {{action}} (callers need a session).',
  addPublic: 'Add @public to the JSDoc block of {{action}}, then write after it why it needs no session (the build fails until the reason is there).',
  bindSchema: 'Validate the input of {{action}} with {{schema}} (@schema {{schema}}).',
} as const;

/** The id of a suggestion message. */
export type SuggestionMessageId = keyof typeof SUGGESTION_MESSAGES;

/** Start offsets of the lines of a text, split on `\n` exactly as the transform's line index does. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) starts.push(index + 1);
  return starts;
}

/** The offset of a diagnostic's position (1-based line and column, as the transform prints them). */
export function offsetOf(diagnostic: Diagnostic, starts: readonly number[]): number {
  return (starts[diagnostic.line - 1] ?? 0) + diagnostic.column - 1;
}

/**
 * What an editor can offer for a diagnostic. None of these is an autofix: each changes who may call the action or
 * what input it accepts, so a person must choose it.
 *
 * - `unknown-tag` with a close policy tag: rename it (`@requireAuth` → `@requiresAuth`).
 * - `missing-auth-decision`: add `@requiresAuth`, or `@public` without a reason (which keeps failing the build with
 *   `malformed-tag` until someone writes why the action needs no session: never public by accident); for a
 *   `"use cache"` function only `@public`, its one possible decision.
 * - `missing-schema`: bind a module-scope value whose name fits the action (`createInvoiceSchema`, `invoiceSchema`).
 */
export function suggestionsFor(diagnostic: Diagnostic, text: string, check: ModuleCheck, offset: number): Suggestion[] {
  switch (diagnostic.name) {
    case 'unknown-tag': {
      const name = /^@([A-Za-z][\w-]*)/.exec(text.slice(offset))?.[1];
      if (name === undefined) return [];
      const suggestion = suggestTag(name, POLICY_TAGS);
      if (suggestion === null || suggestion === 'ignore') return [];
      return [{ messageId: 'renameTag', data: { from: name, to: suggestion }, edit: { range: [offset + 1, offset + 1 + name.length], text: suggestion } }];
    }
    case 'missing-auth-decision': {
      const site = siteAt(check, offset);
      if (site === null) return [];
      const action = actionLabel(site);
      const addPublic: Suggestion = { messageId: 'addPublic', data: { action }, edit: insertTag(text, site, '@public') };
      // A "use cache" function can have no other decision (@requiresAuth there is cache-function-policy, AG115).
      if (check.actions[check.sites.indexOf(site)]?.kind === 'cache') return [addPublic];
      return [{ messageId: 'addRequiresAuth', data: { action }, edit: insertTag(text, site, '@requiresAuth') }, addPublic];
    }
    case 'missing-schema': {
      const site = siteAt(check, offset);
      if (site === null) return [];
      const action = actionLabel(site);
      return fittingSchemas(actionName(site), check.moduleBindings).map((schema) => ({
        messageId: 'bindSchema',
        data: { action, schema },
        edit: insertTag(text, site, `@schema ${schema}`),
      }));
    }
    default:
      return [];
  }
}

function siteAt(check: ModuleCheck, offset: number): CheckedSite | null {
  return check.sites.find((site) => site.offset === offset) ?? null;
}

/** The part of a ref after `#`: the export name, or the name chain of an inline action (`Page/save`). */
function refName(site: CheckedSite): string {
  return site.ref.slice(site.ref.indexOf('#') + 1);
}

function actionLabel(site: CheckedSite): string {
  return `"${refName(site)}"`;
}

/** The action's own name: the export name, or the last part of an inline action's name chain. */
function actionName(site: CheckedSite): string {
  return refName(site).split('/').at(-1)!.replace(/#\d+$/, '');
}

/**
 * Module-scope values whose name fits an action's schema: `<action>Schema` first, then `<stem>Schema` where the
 * action's name contains the stem (`invoiceSchema` for `createInvoice`), longest stem first; at most three.
 */
export function fittingSchemas(action: string, bindings: readonly string[]): string[] {
  const wanted = action.toLowerCase();
  const scored: { name: string; score: number }[] = [];
  for (const name of bindings) {
    const match = /^(.+?)_?schema$/i.exec(name);
    if (match === null) continue;
    const stem = match[1]!.toLowerCase();
    if (stem === wanted) scored.push({ name, score: 1000 });
    else if (stem.length >= 3 && wanted.includes(stem)) scored.push({ name, score: stem.length });
  }
  return scored
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name))
    .slice(0, 3)
    .map((entry) => entry.name);
}

/** The whitespace a line starts with, when everything before `offset` on its line is whitespace; else `null`. */
function indentBefore(text: string, offset: number): string | null {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  return /^[ \t]*$/.test(before) ? before : null;
}

/**
 * Adds one tag line to an action's JSDoc block, keeping its layout: a new ` * @tag` line above the closing `*\/`
 * of a multi-line block; a one-line block becomes a multi-line one (a tag counts only at the start of a line);
 * without a block, `/** @tag *\/` goes on its own line above the action (or before it, when it does not start
 * its line, like a JSX attribute).
 */
export function insertTag(text: string, site: CheckedSite, tag: string): TextEdit {
  const comment = site.docComment;
  if (comment === null) {
    const indent = indentBefore(text, site.docAnchor);
    return {
      range: [site.docAnchor, site.docAnchor],
      text: indent === null ? `/** ${tag} */ ` : `/** ${tag} */\n${indent}`,
    };
  }
  const source = text.slice(comment.start, comment.end);
  const indent = indentBefore(text, comment.start) ?? '';
  if (!source.includes('\n')) {
    const content = source.slice(3, -2).replace(/^\s*\*?\s*/, '').trim();
    const body = content === '' ? [tag] : [content, tag];
    return {
      range: [comment.start, comment.end],
      text: ['/**', ...body.map((line) => `${indent} * ${line}`), `${indent} */`].join('\n'),
    };
  }
  const closing = comment.end - 2; // the `*/`
  const lastLineStart = text.lastIndexOf('\n', closing - 1) + 1;
  const beforeClosing = text.slice(lastLineStart, closing);
  if (/^[ \t]*\**$/.test(beforeClosing)) {
    // ` */` on its own line: the new line goes above it, with the same margin as the block's other lines.
    const margin = /^[ \t]*/.exec(beforeClosing)![0];
    return { range: [lastLineStart, lastLineStart], text: `${margin}* ${tag}\n` };
  }
  // Text before `*/` on the last line: end that line, add the tag, close on a line of its own.
  let contentEnd = closing;
  while (contentEnd > lastLineStart && /[ \t]/.test(text[contentEnd - 1]!)) contentEnd--;
  const margin = /^[ \t]*/.exec(beforeClosing)![0] || `${indent} `;
  return { range: [contentEnd, closing], text: `\n${margin}* ${tag}\n${margin}` };
}
