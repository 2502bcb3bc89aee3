import type { Node, Program, Statement } from '@babel/types';
import { effectivePrologue, isUseServer } from './directives.js';
import { parseModule } from './parse-module.js';
import { skipTrivia } from './source-text.js';

/**
 * Idempotence, decided structurally (transform.ts): a text counts as this transform's own output only when undoing
 * every edit the transform makes gives a source whose transform is that text, byte for byte. This file undoes the
 * edits; transform.ts runs the transform forward and compares. Undoing is allowed to be sloppy (a wrong guess
 * only fails the comparison, and the text is then transformed like any source), so it never has to be trusted:
 * the records always come from the forward run, never from metadata written in the text.
 */

/** The import the transform injects (codegen/plan-guards.ts writes it with GUARDED_MARKER). */
export function guardedImportPattern(marker: string): RegExp {
  return new RegExp(`import (\\$\\$ag\\d*_)runtime from "[^"\\n]*" /\\* ${marker.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\*/;`, 'g');
}

interface Removal {
  start: number;
  end: number;
  text: string;
}

const SKIP = new Set(['type', 'start', 'end', 'loc', 'range', 'extra', 'leadingComments', 'trailingComments', 'innerComments']);

function forEachNode(node: Node, visit: (node: Node, ancestors: readonly Node[]) => void, ancestors: Node[] = []): void {
  visit(node, ancestors);
  ancestors.push(node);
  for (const key in node) {
    if (SKIP.has(key)) continue;
    const value = (node as unknown as Record<string, unknown>)[key];
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item === 'object' && item !== null && typeof (item as { type?: unknown }).type === 'string') {
        forEachNode(item as Node, visit, ancestors);
      }
    }
  }
  ancestors.pop();
}

const isFunction = (node: Node | undefined): boolean =>
  node !== undefined &&
  (node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression' ||
    node.type === 'ObjectMethod' || node.type === 'ClassMethod' || node.type === 'ClassPrivateMethod');

/** The `(…)` of a function's parameter list as the transform wrote it for an inline action's outer function. */
function outerParameterRange(code: string, fn: Node & { params: Node[] }): { start: number; end: number } | null {
  if (fn.params.length > 0) {
    const start = code.lastIndexOf('(', fn.params[0]!.start!);
    const end = code.indexOf(')', fn.params[fn.params.length - 1]!.end!);
    return start === -1 || end === -1 ? null : { start, end: end + 1 };
  }
  const from =
    (fn as { typeParameters?: Node | null }).typeParameters?.end ??
    (fn as { key?: Node }).key?.end ??
    (fn as { id?: Node | null }).id?.end ??
    fn.start!;
  const start = code.indexOf('(', from);
  const end = code.indexOf(')', start);
  return start === -1 || end === -1 ? null : { start, end: end + 1 };
}

/**
 * Candidate sources whose transform may be `code`, or none when `code` does not start with the injected header
 * after its prologue. Each candidate must still be checked by transforming it forward.
 */
export function recoverSourceCandidates(code: string, filename: string, marker: string): string[] {
  const matches = [...code.matchAll(guardedImportPattern(marker))];
  if (matches.length === 0) return [];
  let program: Program;
  try {
    program = parseModule(code, filename).program;
  } catch {
    return [];
  }
  // The header: the import as the first statement after the prologue (a copy of its text in a comment or a string
  // elsewhere does not count), then `const <prefix>meta_<i> = …;` in order.
  const body = program.body;
  const prologue = effectivePrologue(program.directives, body);
  const importIndex = prologue.length === 0 ? 0 : body.indexOf(prologue[prologue.length - 1]!.node as Statement) + 1;
  const match = matches.find((candidate) => body[importIndex]?.type === 'ImportDeclaration' && body[importIndex]!.start === candidate.index);
  if (match === undefined) return [];
  const prefix = match[1]!;
  let headerEnd = body[importIndex]!.end!;
  const metas: Node[] = [];
  for (let index = importIndex + 1; index < body.length; index++) {
    const statement = body[index]!;
    const declarator = statement.type === 'VariableDeclaration' && statement.declarations.length === 1 ? statement.declarations[0]! : null;
    if (declarator?.id.type !== 'Identifier' || declarator.id.name !== `${prefix}meta_${metas.length}`) break;
    metas.push(declarator.init!);
    headerEnd = statement.end!;
  }
  const headerStart = match.index;

  const removals: Removal[] = [];
  const runtime = `${prefix}runtime`;
  forEachNode(program, (node, ancestors) => {
    if (node.type !== 'CallExpression' || node.callee.type !== 'MemberExpression') return;
    const { object, property } = node.callee;
    if (object.type !== 'Identifier' || object.name !== runtime || property.type !== 'Identifier') return;
    if (property.name !== 'guard' && property.name !== 'guardCache') return;
    const impl = node.arguments[2];
    if (impl === undefined) return;
    const parent = ancestors[ancestors.length - 1];
    const grand = ancestors[ancestors.length - 2];
    if (property.name === 'guardCache') {
      // A cache function (codegen/plan-guards.ts): the guard call follows the body's prologue (there may be none,
      // for an export of a "use cache" module), or replaces an arrow's expression body as `{ return guardCache(…, async (…) => (EXPR)); }`.
      if (parent?.type !== 'ReturnStatement' || grand?.type !== 'BlockStatement' || grand.body[grand.body.length - 1] !== parent || grand.body.length !== 1) return;
      const fn = ancestors[ancestors.length - 3] as (Node & { params: Node[] }) | undefined;
      if (!isFunction(fn) || (impl.type !== 'ArrowFunctionExpression' && impl.type !== 'FunctionExpression')) return;
      const outer = outerParameterRange(code, fn!);
      if (outer === null) return;
      const headEnd = impl.type === 'ArrowFunctionExpression' ? code.indexOf('=>', impl.params.at(-1)?.end ?? impl.start!) : impl.body.start!;
      const headStart = impl.start! + (impl.type === 'ArrowFunctionExpression' ? 'async'.length : code.indexOf('function', impl.start!) - impl.start! + 'function'.length);
      let params = code.slice(headStart, headEnd).trim();
      const breaks = (code.slice(outer.start, outer.end).match(/\n/g) ?? []).length;
      if (breaks > 0 && !params.includes('//')) params = params.replace(' ', '\n'.repeat(breaks));
      if (impl.body.type !== 'BlockStatement') {
        const open = code.indexOf('(', headEnd);
        if (code.slice(grand.end! - ')); }'.length, grand.end!) !== ')); }') return;
        removals.push(
          { start: outer.start, end: outer.end, text: params },
          { start: grand.start!, end: open + 1, text: '' },
          { start: grand.end! - ')); }'.length, end: grand.end!, text: '' },
        );
        return;
      }
      const ownPrologue = effectivePrologue(grand.directives, grand.body);
      const afterPrologue = ownPrologue.length === 0 ? grand.start! + 1 : ownPrologue[ownPrologue.length - 1]!.node.end!;
      if (code.slice(impl.body.end! - 2, grand.end! - 1) !== ' }); ') return;
      removals.push(
        { start: outer.start, end: outer.end, text: params },
        { start: afterPrologue, end: impl.body.start! + 1, text: '' },
        { start: impl.body.end! - 2, end: grand.end! - 1, text: '' },
      );
      return;
    }
    // An expression of unknown shape: `(impl => typeof impl === "function" ? async (...rest) => guard(…) : impl)(EXPR)`.
    if (parent?.type === 'ArrowFunctionExpression' && grand?.type === 'ConditionalExpression') {
      const outerArrow = ancestors[ancestors.length - 3];
      const call = ancestors[ancestors.length - 4];
      if (outerArrow?.type !== 'ArrowFunctionExpression' || call?.type !== 'CallExpression' || call.callee !== outerArrow) return;
      const expression = call.arguments[0];
      if (expression === undefined) return;
      removals.push({ start: call.start!, end: expression.start!, text: '' }, { start: expression.end!, end: call.end!, text: '' });
      return;
    }
    // An exported arrow: `async (…) => guard(meta, args, IMPL, self)`.
    if (parent?.type === 'ArrowFunctionExpression' && parent.body === node) {
      removals.push({ start: parent.start!, end: impl.start!, text: '' }, { start: impl.end!, end: parent.end!, text: '' });
      return;
    }
    if (parent?.type !== 'ReturnStatement' || grand?.type !== 'BlockStatement' || grand.body[grand.body.length - 1] !== parent) return;
    const fn = ancestors[ancestors.length - 3] as (Node & { params: Node[]; id?: { name: string } | null }) | undefined;
    if (!isFunction(fn) || grand.body.length !== 1) return;
    const ownPrologue = effectivePrologue(grand.directives, grand.body);
    if (!ownPrologue.some((directive) => isUseServer(directive.value))) {
      // An exported function: `async function name(…) { return guard(meta, args, IMPL, self); }`; the impl lost the name.
      removals.push({ start: fn!.start!, end: impl.start!, text: '' }, { start: impl.end!, end: fn!.end!, text: '' });
      if (fn!.type === 'FunctionDeclaration' && fn!.id && impl.type === 'FunctionExpression') {
        const keyword = code.indexOf('function', impl.start!) + 'function'.length;
        const at = skipTrivia(code, code[keyword] === '*' ? keyword + 1 : keyword);
        removals.push({ start: at, end: at, text: fn!.id.name });
      }
      return;
    }
    // An inline action: the guard call follows the body's prologue and the impl holds the rest of the body.
    if ((impl.type !== 'ArrowFunctionExpression' && impl.type !== 'FunctionExpression') || impl.body.type !== 'BlockStatement') return;
    const implBody = impl.body;
    const lastDirective = ownPrologue[ownPrologue.length - 1]!.node;
    const outer = outerParameterRange(code, fn!);
    if (outer === null || code.slice(implBody.end! - 2, grand.end! - 1) !== ' }); ') return;
    const headEnd = impl.type === 'ArrowFunctionExpression' ? code.lastIndexOf('=>', implBody.start!) : implBody.start!;
    const headStart = impl.start! + (impl.type === 'ArrowFunctionExpression' ? 'async'.length : code.indexOf('function', impl.start!) - impl.start! + 'function'.length);
    let params = code.slice(headStart, headEnd).trim();
    const breaks = (code.slice(outer.start, outer.end).match(/\n/g) ?? []).length;
    // The impl's copy was put on one line (unless it holds a line comment); any spelling with the same line breaks
    // that collapses to it is a valid preimage.
    if (breaks > 0 && !params.includes('//')) params = params.replace(' ', '\n'.repeat(breaks));
    removals.push(
      { start: outer.start, end: outer.end, text: params },
      { start: lastDirective.end!, end: implBody.start! + 1, text: '' },
      { start: implBody.end! - 2, end: grand.end! - 1, text: '' },
    );
  });

  // Schema exports bound by the `<action>Schema` convention lost their export; a candidate gives each one back, at
  // the very end (where removing it again leaves nothing behind). A schema named by a tag needs no export, so the
  // candidates without these come first.
  const conventions = new Set<string>();
  for (const meta of metas) {
    const text = code.slice(meta.start!, meta.end!);
    const exportName = /exportName: "([^"]*)"/.exec(text)?.[1];
    // A lone schema, or a rest parameter's lone schema (`...xSchema`, validate/policy-arguments.ts joinSchemaList).
    const schema = /"schema":"(?:\.\.\.)?([\w$]+)"/.exec(text)?.[1];
    if (exportName !== undefined && schema !== undefined) conventions.add(`export { ${schema} as ${exportName}Schema };`);
  }
  // A schema some `@schema` tag names was probably bound by the tag; the others by the convention.
  const untagged = [...conventions].filter((text) => {
    const schema = /export \{ ([\w$]+) as/.exec(text)![1]!;
    return !new RegExp(`@schema\\b[^\\n]*\\b${schema.replace(/\$/g, '\\$')}\\b`).test(code);
  });
  const tails = [...new Set(['', untagged.join(''), [...conventions].join('')])];

  const headerRemovals: Removal[] = [];
  if (code.slice(headerStart - 2, headerStart) === '; ') headerRemovals.push({ start: headerStart - 2, end: headerEnd, text: '' });
  if (code[headerStart - 1] === ' ') headerRemovals.push({ start: headerStart - 1, end: headerEnd, text: '' });
  if (code[headerEnd] === ' ') headerRemovals.push({ start: headerStart, end: headerEnd + 1, text: '' });
  return tails.flatMap((tail) => headerRemovals.map((header) => applyRemovals(code, [header, ...removals]) + tail));
}

/** Applies non-overlapping replacements (insertions have start === end) to the text. */
function applyRemovals(code: string, removals: readonly Removal[]): string {
  const sorted = [...removals].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let at = 0;
  for (const removal of sorted) {
    if (removal.start < at) return '';
    out += code.slice(at, removal.start) + removal.text;
    at = removal.end;
  }
  return out + code.slice(at);
}
