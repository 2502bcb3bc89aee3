import type { Identifier, Program } from '@babel/types';
import { effectivePrologue } from '../analyze/directives.js';
import { skipTrivia } from '../analyze/source-text.js';
import type { ActionSite, FunctionNode, LocalisableExport } from '../analyze/collect-action-sites.js';
import type { ActionRecord } from '../types.js';

/** One change to the original text. Edits never overlap except insertions at the same offset (kept in order). */
export type Edit =
  | { kind: 'insert'; at: number; text: string; side: 'left' | 'right' }
  | { kind: 'remove'; start: number; end: number }
  | { kind: 'overwrite'; start: number; end: number; text: string };

/** An action to wrap, with the record whose metadata the guard receives. */
export interface PlannedGuard {
  /** Where the action is. */
  site: ActionSite;
  /** Its record (ref, policy, location). */
  record: ActionRecord;
}

/** What the planner needs besides the guards. */
export interface PlanInput {
  /** The original text. */
  code: string;
  /** The parsed program. */
  program: Program;
  /** Actions to wrap (guardable ones only), in source order. */
  guards: PlannedGuard[];
  /** Non-function exports to make module-local (consumed schemas). */
  localise: LocalisableExport[];
  /** Specifier of the runtime module. */
  runtimeImport: string;
  /** Prefix of every injected name, chosen so no identifier of the file collides (`$$ag_`, or `$$ag1_`, …). */
  prefix: string;
}

/** Appears in the injected import; its presence means the text is already our output (idempotence). */
export const GUARDED_MARKER = '@action-guard/transform:guarded';

/** The real parameters (TypeScript's `this: T` pseudo-parameter is erased by SWC and not counted). */
function realParams(fn: FunctionNode): FunctionNode['params'] {
  return fn.params.filter((param) => !(param.type === 'Identifier' && param.name === 'this'));
}

/** Declared parameter count (rest excluded) and whether there is a rest parameter. */
export function parameterShape(fn: FunctionNode): { count: number; rest: boolean; length: number } {
  const params = realParams(fn);
  const rest = params.length > 0 && params[params.length - 1]!.type === 'RestElement';
  const count = rest ? params.length - 1 : params.length;
  // Function.prototype.length stops at the first default or rest parameter.
  const firstDefault = params.findIndex((param) => param.type === 'AssignmentPattern' || param.type === 'RestElement');
  return { count, rest, length: firstDefault === -1 ? count : firstDefault };
}

/**
 * Fresh outer parameters with the same count, rest and `length` as the original (Next 16 sends a client only the
 * arguments its declared parameters cover, docs/next-internals.md §2), and the expression of the arguments handed to the
 * guard.
 */
function wrapperParams(fn: FunctionNode, prefix: string): { params: string; args: string } {
  const { count, rest, length } = parameterShape(fn);
  const names: string[] = [];
  const params: string[] = [];
  for (let index = 0; index < count; index++) {
    names.push(`${prefix}${index}`);
    params.push(index >= length ? `${prefix}${index} = void 0` : `${prefix}${index}`);
  }
  if (rest) {
    names.push(`...${prefix}rest`);
    params.push(`...${prefix}rest`);
  }
  if (length === count) return { params: params.join(', '), args: `[${names.join(', ')}]` };
  // Parameters with defaults: hand the guard the arguments the caller gave, not trailing `undefined`s (a form's
  // FormData stays the last argument). Same rule as defaults themselves: an explicit `undefined` counts as absent.
  let given = String(length);
  for (let index = length; index < count; index++) given = `${prefix}${index} !== void 0 ? ${index + 1} : ${given}`;
  const fixed = `[${names.slice(0, count).join(', ')}]`;
  const trimmed = `${fixed}.slice(0, ${given})`;
  return {
    params: params.join(', '),
    args: rest ? `(${prefix}rest.length > 0 ? [${names.join(', ')}] : ${trimmed})` : trimmed,
  };
}

/** The range of a function's parameter list including its parentheses (or the bare arrow parameter). */
function parameterRange(code: string, fn: FunctionNode): { start: number; end: number; parenthesised: boolean } {
  const params = fn.params;
  if (params.length === 0) {
    const from =
      fn.typeParameters?.end ??
      ('key' in fn && fn.key ? fn.key.end! : null) ??
      ('id' in fn && fn.id ? fn.id.end! : null) ??
      fn.start!;
    const open = code.indexOf('(', from);
    const close = skipTrivia(code, open + 1);
    return { start: open, end: close + 1, parenthesised: true };
  }
  const first = params[0]!;
  const decorators = (first as { decorators?: { start?: number | null }[] | null }).decorators;
  const firstStart = decorators?.[0]?.start ?? first.start!;
  let open = firstStart - 1;
  while (open >= 0 && /\s/.test(code[open]!)) open--;
  if (code[open] !== '(' && fn.type === 'ArrowFunctionExpression') {
    return { start: first.start!, end: first.end!, parenthesised: false };
  }
  open = code.lastIndexOf('(', firstStart);
  let close = skipTrivia(code, params[params.length - 1]!.end!);
  if (code[close] === ',') close = skipTrivia(code, close + 1);
  return { start: open, end: close + 1, parenthesised: true };
}

function literal(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * One thunk returning every positional schema, in parameter order: `() => [IdSchema, FormSchema]`. The policy
 * writes them joined (`IdSchema, ...ItemsSchema`, a rest parameter's prefixed with `...`, validate/policy-arguments.ts
 * `joinSchemaList`); the runtime reads the array and the rest marker (packages/runtime/src/input.ts).
 */
function schemasThunk(schemas: string | null): string {
  return schemas === null ? 'null' : `() => [${schemas.split(', ').map((name) => name.replace(/^\.\.\./, '')).join(', ')}]`;
}

/** The module-level metadata constant of one action: literals and thunks only (no TDZ, nothing captured). */
function metaConstant(name: string, record: ActionRecord): string {
  const { policy } = record;
  const thunk = (identifier: string | null): string => (identifier === null ? 'null' : `() => ${identifier}`);
  return (
    `const ${name} = { ref: ${literal(record.ref)}, file: ${literal(record.file)}, exportName: ${literal(record.exportName)}, ` +
    `kind: ${literal(record.kind)}, inlineIndex: ${literal(record.inlineIndex)}, line: ${record.loc.line}, column: ${record.loc.column}, ` +
    `policy: ${literal(policy)}, schema: ${schemasThunk(policy.schema)}, authorize: ${thunk(policy.authorize)}` +
    // Only an action with `@onFailure` has the key (runtime src/failure-mapper.ts), like `baselined` below.
    `${record.onFailure !== undefined ? `, onFailure: ${thunk(record.onFailure)}` : ''}` +
    // Only a baselined action has the key, so every other action's metadata stays byte for byte what it was.
    `${record.baselined ? `, baselined: ${literal(record.baselined)}` : ''} };`
  );
}

/** Where the injected import and metadata go: right after the directive prologue, keeping line numbers. */
function injectionPoint(code: string, program: Program): { at: number; before: string; after: string } {
  // The prologue Next reads, which may continue after type-only imports (analyze/directives.ts).
  const directives = effectivePrologue(program.directives, program.body).map((directive) => directive.node);
  if (directives.length > 0) {
    const last = directives[directives.length - 1]!;
    return { at: last.end!, before: code[last.end! - 1] === ';' ? ' ' : '; ', after: '' };
  }
  if (program.interpreter) {
    const newline = code.indexOf('\n', program.interpreter.end!);
    if (newline !== -1) return { at: newline + 1, before: '', after: ' ' };
    return { at: code.length, before: '\n', after: '' };
  }
  return { at: 0, before: '', after: ' ' };
}

/**
 * Plans every edit for a module: the runtime import and metadata after the prologue, a wrapper per action, and the
 * localised schema exports. Pure: returns data; emitGuards applies it once.
 */
export function planGuards(input: PlanInput): Edit[] {
  const { code, prefix } = input;
  const runtime = `${prefix}runtime`;
  const edits: Edit[] = [];
  const header: string[] = [`import ${runtime} from ${literal(input.runtimeImport)} /* ${GUARDED_MARKER} */;`];

  input.guards.forEach(({ site, record }, index) => {
    const meta = `${prefix}meta_${index}`;
    header.push(metaConstant(meta, record));
    const self = site.selfName === null ? '' : `, ${site.selfName}`;
    const fn = site.fn;
    if (fn === null) {
      // An expression of unknown shape (`wrap(fn)`, an alias): evaluated once, as before; when it is not a
      // function it is returned unchanged so Next's own "only async functions" check still fires.
      const expression = site.expression!;
      const impl = `${prefix}impl`;
      const sequence = expression.type === 'SequenceExpression';
      edits.push({
        kind: 'insert', at: expression.start!, side: 'right',
        text: `(${impl} => typeof ${impl} === "function" ? async (...${prefix}rest) => ${runtime}.guard(${meta}, ${prefix}rest, ${impl}${self}) : ${impl})(${sequence ? '(' : ''}`,
      });
      edits.push({ kind: 'insert', at: expression.end!, side: 'left', text: `${sequence ? ')' : ''})` });
      return;
    }
    const { params, args } = wrapperParams(fn, prefix);
    if (site.kind === 'export') {
      if (site.ownDirective !== null) edits.push({ kind: 'remove', start: site.ownDirective.start!, end: site.ownDirective.end! });
      if (fn.type === 'ArrowFunctionExpression') {
        edits.push({ kind: 'insert', at: fn.start!, side: 'right', text: `async (${params}) => ${runtime}.guard(${meta}, ${args}, ` });
        edits.push({ kind: 'insert', at: fn.end!, side: 'left', text: `${self})` });
        return;
      }
      // A declaration keeps its name on the wrapper; the impl loses it so recursion goes through the guard.
      // A function expression's wrapper stays anonymous: Next 16.4.6 mis-registers a *named* function expression
      // used as an export initialiser (docs/next-internals.md §1, E8).
      const id = fn.type === 'FunctionDeclaration' ? (fn.id as Identifier | null | undefined) : null;
      edits.push({
        kind: 'insert', at: fn.start!, side: 'right',
        text: `async function ${id ? id.name : ''}(${params}) { return ${runtime}.guard(${meta}, ${args}, `,
      });
      if (id) edits.push({ kind: 'remove', start: id.start!, end: id.end! });
      edits.push({ kind: 'insert', at: fn.end!, side: 'left', text: `${self}); }` });
      return;
    }
    // Inline actions and cache functions: the guard goes inside the body after the directives and names only
    // module-scope bindings, so Next captures (and encrypts) exactly what it captured before (docs/next-internals.md §6).
    // A cache function keeps its "use cache" first, so Next still makes it the cache function (and the guard runs
    // inside it, on every cache miss); its guard only validates arguments (runtime guardCache).
    const method = site.kind === 'cache' ? 'guardCache' : 'guard';
    const range = parameterRange(code, fn);
    const original = code.slice(range.start, range.end);
    // Keep every line where it was: the outer list keeps the original's line breaks, and the copy in the impl
    // is put on one line unless a line comment inside it needs its line break.
    const breaks = '\n'.repeat(original.split('\n').length - 1);
    const oneLine = /\/\//.test(original) ? original : original.replace(/\s*\n\s*/g, ' ');
    const implParams = range.parenthesised ? oneLine : `(${oneLine})`;
    const body = fn.body;
    edits.push({ kind: 'overwrite', start: range.start, end: range.end, text: `(${params}${breaks})` });
    if (body.type !== 'BlockStatement') {
      // Only an arrow exported from a "use cache" module has an expression body (a directive needs a block).
      edits.push({ kind: 'insert', at: body.start!, side: 'right', text: `{ return ${runtime}.${method}(${meta}, ${args}, async ${implParams} => (` });
      edits.push({ kind: 'insert', at: body.end!, side: 'left', text: ')); }' });
      return;
    }
    const implHead = fn.type === 'ArrowFunctionExpression' ? `async ${implParams} => {` : `async function ${implParams} {`;
    const lastDirective = site.prologueEnd ?? body.directives.at(-1) ?? null;
    if (lastDirective === null) {
      // An export of a "use cache" module: the module's directive makes it a cache function; the body has none.
      edits.push({ kind: 'insert', at: body.start! + 1, side: 'left', text: ` return ${runtime}.${method}(${meta}, ${args}, ${implHead}` });
    } else {
      const semicolon = code[lastDirective.end! - 1] === ';' ? '' : ';';
      edits.push({
        kind: 'insert', at: lastDirective.end!, side: 'left',
        text: `${semicolon} return ${runtime}.${method}(${meta}, ${args}, ${implHead}`,
      });
    }
    edits.push({ kind: 'insert', at: body.end! - 1, side: 'left', text: ' }); ' });
  });

  for (const local of input.localise) edits.push(...localiseExport(code, local, input.localise));

  const point = injectionPoint(code, input.program);
  edits.unshift({ kind: 'insert', at: point.at, side: 'left', text: `${point.before}${header.join(' ')}${point.after}` });
  return edits;
}

/** Makes a consumed schema export module-local on every layer, keeping its declaration in place. */
function localiseExport(code: string, local: LocalisableExport, all: readonly LocalisableExport[]): Edit[] {
  const { statement } = local;
  if (local.specifier === null) {
    const declaration = statement.declaration;
    if (declaration?.type !== 'VariableDeclaration') return [];
    // Several consumed declarators of one statement are handled once, by the first.
    const consumed = all.filter((other) => other.statement === statement);
    if (consumed[0] !== local) return [];
    const edits: Edit[] = [{ kind: 'remove', start: statement.start!, end: declaration.start! }];
    const kept = declaration.declarations
      .map((declarator) => (declarator.id.type === 'Identifier' ? declarator.id.name : null))
      .filter((name): name is string => name !== null && !consumed.some((other) => other.name === name));
    if (kept.length > 0) edits.push({ kind: 'insert', at: statement.end!, side: 'left', text: ` export { ${kept.join(', ')} };` });
    return edits;
  }
  const specifiers = statement.specifiers;
  const consumed = all.filter((other) => other.statement === statement);
  if (consumed.length === specifiers.length) {
    return consumed[0] === local ? [{ kind: 'remove', start: statement.start!, end: statement.end! }] : [];
  }
  // Remove the specifier and one comma next to it, leaving whitespace (and so line breaks) in place.
  const index = specifiers.indexOf(local.specifier);
  if (index < specifiers.length - 1) {
    const comma = code.indexOf(',', local.specifier.end!);
    return [{ kind: 'remove', start: local.specifier.start!, end: comma + 1 }];
  }
  const comma = code.lastIndexOf(',', local.specifier.start!);
  return [
    { kind: 'remove', start: comma, end: comma + 1 },
    { kind: 'remove', start: local.specifier.start!, end: local.specifier.end! },
  ];
}
