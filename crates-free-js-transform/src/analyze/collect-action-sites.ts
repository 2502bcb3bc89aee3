import { collectPatternNames, findBindingWrites, type BindingWrite } from './module-scope.js';
import { effectivePrologue, isUseCache, isUseServer, type EffectiveDirective } from './directives.js';
import type {
  ArrowFunctionExpression, ClassMethod, ClassPrivateMethod, Comment, Directive, ExportDefaultDeclaration,
  ExportNamedDeclaration, Expression, File, FunctionDeclaration, FunctionExpression, Node, ObjectMethod, Program,
  Statement, VariableDeclarator,
} from '@babel/types';

/** Every function shape that can carry a `"use server"` directive. */
export type FunctionNode =
  | FunctionDeclaration | FunctionExpression | ArrowFunctionExpression | ObjectMethod | ClassMethod | ClassPrivateMethod;

/** One place where a Server Action (or a `"use cache"` function Next registers) is defined, before any policy is read. */
export interface ActionSite {
  /**
   * An export of a `"use server"` module, an inline `"use server"` function, or a `"use cache"` function (inline,
   * or an export of a `"use cache"` module), which Next registers as `$$RSC_SERVER_CACHE_<n>`, callable by ID.
   */
  kind: 'export' | 'inline' | 'cache';
  /** The exported name (`default` for default exports; for a cache function, the export of a `"use cache"` module), `null` for inline ones. */
  exportName: string | null;
  /** The function to wrap; `null` when the action is an expression of unknown shape (`wrap(fn)`, an alias). */
  fn: FunctionNode | null;
  /** The expression of unknown shape, when `fn` is `null`. */
  expression: Expression | null;
  /** The binding that holds the exported function object at module scope (the guard's `self`). */
  selfName: string | null;
  /** Nodes whose leading comments may hold the policy's JSDoc block, nearest first. */
  docCarriers: Node[];
  /** Where findings about the action are reported. */
  offset: number;
  /** The part of the ref after `#`: the export name, or the enclosing-name chain of an inline action. */
  refName: string;
  /** Next's `$$RSC_SERVER_ACTION_<n>` index for inline actions, `$$RSC_SERVER_CACHE_<n>` for cache functions. */
  inlineIndex: number | null;
  /** Why the action cannot be guarded and how to fix it, or `null` when it can. */
  unguardable: Unguardable | null;
  /** The `"use server"` directive inside the function's own body, if any (removed from an export's impl). */
  ownDirective: Node | null;
  /**
   * The last statement of the function body's directive prologue (where an inline action's or a cache function's
   * guard call goes); `null` for an export of a `"use cache"` module without directives of its own (the guard call
   * then opens the body).
   */
  prologueEnd: Node | null;
}

/** Why an action cannot be wrapped, and what to change. */
export interface Unguardable {
  /** The reason, completing "… cannot be guarded: ". */
  reason: string;
  /** The fix. */
  fix: string;
  /** Where to report it when that is not the action itself (the assignment that replaces an exported action). */
  offset?: number;
}

/** An export whose body starts with "use cache": Next registers the cache function, not an action. */
const USE_CACHE_EXPORT: Unguardable = {
  reason:
    'its body starts with "use cache", so Next registers the cache function itself ($$RSC_SERVER_CACHE_<n>, callable by ID) ' +
    'instead of an action, and a wrapper would register a second, different action while a cached result skips any guard inside it',
  fix: 'remove "use cache" from the exported action and move the cached work into a separate function that the action calls',
};

const DESTRUCTURED_FIX =
  'bind the action by name so there is one expression to wrap: `export const name = source.name` (or declare it as `export async function name(…) {…}`)';

const DECLARE_HERE = 'declare the action in this module as `export async function name(…) {…}` or `export const name = async (…) => …`';

/** Async generators stream several results; the guard runs the body once and returns one. */
const ASYNC_GENERATOR: Unguardable = {
  reason: 'async generator actions cannot be guarded (the guard awaits one result)',
  fix: 'return the collected values (or a ReadableStream) from an `async function` instead of yielding them',
};

function unguardableFunction(fn: FunctionNode): Unguardable | null {
  if (fn.generator) return ASYNC_GENERATOR;
  const used = usesOwnThisOrArguments(fn);
  if (used === null) return null;
  return {
    reason: `it uses \`${used}\`, which Next does not allow in a Server Action (its own error explains it)`,
    fix: used === 'arguments' ? 'declare the parameters (a rest parameter `...args` for a variable count)' : `remove \`${used}\`: pass what it refers to as a parameter or import it`,
  };
}

/** A non-action export the transform may make module-local (a consumed schema). */
export interface LocalisableExport {
  /** Exported name. */
  name: string;
  /** The module-scope binding that holds the value. */
  localName: string;
  /** The export statement. */
  statement: ExportNamedDeclaration;
  /** The specifier, for `export { x }`; `null` for `export const x = …`. */
  specifier: ExportNamedDeclaration['specifiers'][number] | null;
}

/** What the analysis of one module found. */
export interface ModuleAnalysis {
  /** The module's directive prologue as Next reads it (cooked values, after TypeScript erasure). */
  prologue: EffectiveDirective[];
  /** The statement of the module's `"use server"` directive, when it is a server module. */
  serverDirective: Node | null;
  /** Whether the prologue holds `"use server"`. */
  isServerModule: boolean;
  /** Whether the prologue holds `"use client"` (inline actions there are Next's compile error, left to Next). */
  isClientModule: boolean;
  /** Action sites, in source order. */
  sites: ActionSite[];
  /** Exports that are certainly not functions (candidates for schema localisation), by name. */
  valueExports: Map<string, LocalisableExport>;
}

const SKIP_KEYS = new Set(['type', 'start', 'end', 'loc', 'range', 'extra', 'leadingComments', 'trailingComments', 'innerComments']);

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

function directiveNamed(directives: readonly EffectiveDirective[], test: (value: string) => boolean): EffectiveDirective | null {
  return directives.find((directive) => test(directive.value)) ?? null;
}

/** Strips TypeScript wrappers and parentheses (`(x as T)`, `x satisfies T`, `x!`). */
export function unwrapExpression(expression: Expression): Expression {
  let current: Expression = expression;
  for (;;) {
    switch (current.type) {
      case 'TSAsExpression':
      case 'TSSatisfiesExpression':
      case 'TSNonNullExpression':
      case 'TSTypeAssertion':
      case 'TSInstantiationExpression':
      case 'ParenthesizedExpression':
        current = current.expression;
        break;
      default:
        return current;
    }
  }
}

/**
 * Expressions that may evaluate to a function at run time. Next accepts every export initialiser except literals
 * and sync functions, and only checks `typeof` when the module loads (docs/next-internals.md §1, rechecked with the oracle:
 * `new Function(…)`, `class {}`, `x = y`, `await p` are all registered), so anything that is not certainly a
 * non-function must be guarded, never localised or skipped.
 */
function mayBeFunction(expression: Expression): boolean {
  switch (expression.type) {
    case 'StringLiteral':
    case 'NumericLiteral':
    case 'BooleanLiteral':
    case 'NullLiteral':
    case 'RegExpLiteral':
    case 'BigIntLiteral':
    case 'DecimalLiteral':
    case 'TemplateLiteral':
    case 'ObjectExpression':
    case 'ArrayExpression':
    case 'RecordExpression':
    case 'TupleExpression':
    case 'UnaryExpression':
    case 'BinaryExpression':
    case 'UpdateExpression':
    case 'ThisExpression':
    case 'MetaProperty':
      return false;
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
      return !expression.async;
    default:
      return true;
  }
}

function isFunctionNode(node: Node): node is FunctionNode {
  return (
    node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression' ||
    node.type === 'ObjectMethod' || node.type === 'ClassMethod' || node.type === 'ClassPrivateMethod'
  );
}

/** Nodes that give `this` and `arguments` a new meaning, so uses inside them do not belong to the action. */
const NEW_THIS_SCOPE = new Set([
  'FunctionDeclaration', 'FunctionExpression', 'ObjectMethod', 'ClassMethod', 'ClassPrivateMethod', 'ClassProperty',
  'ClassPrivateProperty', 'ClassAccessorProperty', 'StaticBlock',
]);

/**
 * Whether an action's own code uses `this`, `super` or `arguments`. Next rejects those in a Server Action
 * ("Server Actions cannot use `arguments`"); once the body moved into the guard's impl function, Next could no
 * longer see them, so such an action is left unwrapped for Next to report.
 */
function usesOwnThisOrArguments(fn: FunctionNode): 'this' | 'super' | 'arguments' | null {
  let found: 'this' | 'super' | 'arguments' | null = null;
  const visit = (node: Node, parent: Node | null): void => {
    if (found !== null) return;
    if (node.type === 'ThisExpression') found = 'this';
    else if (node.type === 'Super') found = 'super';
    else if (node.type === 'Identifier' && node.name === 'arguments') {
      const isPropertyName =
        parent !== null &&
        (((parent.type === 'MemberExpression' || parent.type === 'OptionalMemberExpression') && parent.property === node && !parent.computed) ||
          ((parent.type === 'ObjectProperty' || parent.type === 'ObjectMethod') && parent.key === node && !parent.computed));
      if (!isPropertyName) found = 'arguments';
    }
    for (const key in node) {
      if (SKIP_KEYS.has(key) || key === 'typeAnnotation' || key === 'returnType' || key === 'typeParameters') continue;
      const value = (node as unknown as Record<string, unknown>)[key];
      const children = Array.isArray(value) ? value : [value];
      for (const child of children) {
        if (isNode(child) && !NEW_THIS_SCOPE.has(child.type)) visit(child, node);
      }
    }
  };
  for (const param of fn.params) visit(param, fn);
  visit(fn.body, fn);
  return found;
}

/** A function body's directive prologue as Next reads it (cooked, after TypeScript erasure). */
function bodyDirectives(fn: FunctionNode): EffectiveDirective[] {
  return fn.body.type === 'BlockStatement' ? effectivePrologue(fn.body.directives, fn.body.body) : [];
}

function propertyKeyName(key: Node, computed: boolean): string | null {
  if (computed) return null;
  if (key.type === 'Identifier') return key.name;
  if (key.type === 'StringLiteral') return key.value;
  if (key.type === 'PrivateName') return `#${key.id.name}`;
  return null;
}

/** The name a function is known by: its own id, or the binding, property or JSX attribute it is assigned to. */
function nameOf(node: Node, parent: Node | undefined): string | null {
  if ((node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ClassDeclaration' ||
      node.type === 'ClassExpression') && node.id) return node.id.name;
  if (node.type === 'ObjectMethod' || node.type === 'ClassMethod' || node.type === 'ClassPrivateMethod') {
    return propertyKeyName(node.key, node.computed ?? false);
  }
  if (parent === undefined) return null;
  switch (parent.type) {
    case 'VariableDeclarator':
      return parent.id.type === 'Identifier' ? parent.id.name : null;
    case 'ObjectProperty':
    case 'ClassProperty':
      return parent.value === node ? propertyKeyName(parent.key, parent.computed) : null;
    case 'AssignmentExpression':
      if (parent.left.type === 'Identifier') return parent.left.name;
      if (parent.left.type === 'MemberExpression') return propertyKeyName(parent.left.property, parent.left.computed);
      return null;
    case 'ExportDefaultDeclaration':
      return 'default';
    default:
      return null;
  }
}

/** Wrappers a name or a JSDoc block can sit outside of. */
const TRANSPARENT = new Set([
  'TSAsExpression', 'TSSatisfiesExpression', 'TSNonNullExpression', 'TSTypeAssertion', 'ParenthesizedExpression',
]);

/** Walks up from a function through declarations and wrappers that a JSDoc block above them applies to. */
function inlineDocCarriers(fn: FunctionNode, ancestors: readonly Node[]): Node[] {
  const carriers: Node[] = [fn];
  let child: Node = fn;
  for (let index = ancestors.length - 1; index >= 0; index--) {
    const parent = ancestors[index]!;
    const transparent =
      TRANSPARENT.has(parent.type) ||
      parent.type === 'VariableDeclarator' ||
      (parent.type === 'VariableDeclaration' && parent.declarations[0] === child) ||
      parent.type === 'ExportNamedDeclaration' || parent.type === 'ExportDefaultDeclaration' ||
      parent.type === 'ObjectProperty' || parent.type === 'ClassProperty' ||
      parent.type === 'JSXExpressionContainer' || parent.type === 'JSXAttribute' ||
      (parent.type === 'AssignmentExpression' && parent.right === child) ||
      parent.type === 'ExpressionStatement';
    if (!transparent) break;
    carriers.push(parent);
    child = parent;
  }
  return carriers;
}

/** The name an inline action gets in its ref: its binding, function name, property or JSX attribute. */
function inlineOwnName(fn: FunctionNode, ancestors: readonly Node[]): string {
  let child: Node = fn;
  for (let index = ancestors.length - 1; index >= 0; index--) {
    const parent = ancestors[index]!;
    const own = nameOf(child, parent);
    if (own !== null) return own;
    if (parent.type === 'JSXExpressionContainer') continue;
    if (parent.type === 'JSXAttribute') {
      return parent.name.type === 'JSXIdentifier' ? parent.name.name : `${parent.name.namespace.name}:${parent.name.name.name}`;
    }
    if (!TRANSPARENT.has(parent.type)) break;
    child = parent;
  }
  return 'action';
}

/** Names of the enclosing named functions and classes, outermost first (anonymous levels are skipped). */
function enclosingNames(ancestors: readonly Node[]): string[] {
  const names: string[] = [];
  for (let index = 0; index < ancestors.length; index++) {
    const node = ancestors[index]!;
    if (!isFunctionNode(node) && node.type !== 'ClassDeclaration' && node.type !== 'ClassExpression') continue;
    // A function takes the name of what holds it; through wrappers and through one call level, so
    // `const Page = memo(() => …)` and `forwardRef(function Field() …)` name the component.
    let name: string | null = null;
    for (let up = index; up >= 0 && name === null; up--) {
      const current = ancestors[up]!;
      const parent = ancestors[up - 1];
      name = nameOf(current, parent);
      if (up < index && !TRANSPARENT.has(current.type)) break;
    }
    if (name !== null) names.push(name);
  }
  return names;
}

/**
 * Finds every action site of a module without changing anything: the exports of a `"use server"` module in every
 * form Next accepts, and every inline `"use server"` function. Forms Next rejects (sync exports, re-exports,
 * literals) are left for Next to report. Inline actions are numbered the way Next numbers
 * `$$RSC_SERVER_ACTION_<n>`: one counter shared with `"use cache"` functions, assigned after a function's body is
 * visited (inner functions first), in source order.
 */
export function collectActionSites(ast: File, options: { findInline: boolean }): ModuleAnalysis {
  const program: Program = ast.program;
  const directives = effectivePrologue(program.directives, program.body);
  const serverDirective = directiveNamed(directives, isUseServer)?.node ?? null;
  const isServerModule = serverDirective !== null;
  const isClientModule = directiveNamed(directives, (value) => value === 'use client') !== null;
  const sites: ActionSite[] = [];
  const valueExports = new Map<string, LocalisableExport>();

  if (isServerModule && !isClientModule) collectExportSites(program, sites, valueExports);
  const isCacheModule = !isServerModule && !isClientModule && directiveNamed(directives, isUseCache) !== null;
  // In a file-level "use cache" module every exported async function is a cache function: it takes a number.
  const cacheExports = isCacheModule ? exportedAsyncFunctions(program) : new Map<Node, string>();
  if (isCacheModule) collectCacheModuleExports(program, cacheExports, sites);

  if (options.findInline && !isClientModule) {
    const exportFunctions = new Set(sites.map((site) => site.fn).filter((fn) => fn !== null));
    let counter = 0;
    const ancestors: Node[] = [];
    const visit = (node: Node): void => {
      ancestors.push(node);
      for (const key in node) {
        if (SKIP_KEYS.has(key)) continue;
        const value = (node as unknown as Record<string, unknown>)[key];
        if (Array.isArray(value)) {
          for (const item of value) if (isNode(item)) visit(item);
        } else if (isNode(value)) {
          visit(value);
        }
      }
      ancestors.pop();
      if (isFunctionNode(node)) {
        const ownDirectives = bodyDirectives(node);
        const directive = directiveNamed(ownDirectives, isUseServer)?.node ?? null;
        const cacheDirective = directiveNamed(ownDirectives, isUseCache);
        // Next rejects non-async actions and instance methods itself; they are left alone for its error.
        const isInstanceMethod = (node.type === 'ClassMethod' || node.type === 'ClassPrivateMethod') && !node.static;
        // An export of a "use cache" module that carries its own "use server" is an action, not a cache function:
        // Next numbers those 0, 1, 2 (checked with the oracle), so only real cache functions take a number here.
        if (cacheDirective !== null || (cacheExports.has(node) && directive === null)) {
          const index = counter++;
          // Next registers every async "use cache" function as a server reference callable by ID (with
          // cacheComponents on), so each one is a site. Sync ones are Next's compile error; an export of a
          // "use server" module whose body starts with "use cache" is already rejected as that export's site.
          if (node.async && !isInstanceMethod && !exportFunctions.has(node)) {
            const exportName = cacheDirective === null ? cacheExports.get(node)! : null;
            sites.push({
              kind: 'cache',
              exportName,
              fn: node,
              expression: null,
              selfName: null,
              docCarriers: inlineDocCarriers(node, ancestors),
              offset: node.start!,
              refName: exportName ?? [...enclosingNames(ancestors), inlineOwnName(node, ancestors)].join('/'),
              inlineIndex: index,
              unguardable: unguardableFunction(node),
              ownDirective: null,
              prologueEnd: ownDirectives.at(-1)?.node ?? null,
            });
          }
        }
        if (directive !== null && node.async && !isInstanceMethod && !exportFunctions.has(node)) {
          const own = inlineOwnName(node, ancestors);
          sites.push({
            kind: 'inline',
            exportName: null,
            fn: node,
            expression: null,
            selfName: null,
            docCarriers: inlineDocCarriers(node, ancestors),
            offset: node.start!,
            refName: [...enclosingNames(ancestors), own].join('/'),
            inlineIndex: counter++,
            unguardable: unguardableFunction(node),
            ownDirective: directive,
            prologueEnd: ownDirectives.at(-1)?.node ?? null,
          });
        }
      } else if (
        isServerModule && node.type === 'ExportDefaultDeclaration' && needsSyntheticDefaultBinding(node)
      ) {
        // Next hoists an anonymous default export into `$$RSC_SERVER_ACTION_<n>` with the same counter.
        counter++;
      }
    };
    visit(program);
  }

  sites.sort((a, b) => a.offset - b.offset);
  // Refs of inline actions and cache functions must be unique (also against export names): true duplicates get #2,
  // #3 in source order.
  const seen = new Map<string, number>(sites.filter((site) => site.exportName !== null).map((site) => [site.refName, 1]));
  for (const site of sites) {
    if (site.exportName !== null) continue;
    const count = (seen.get(site.refName) ?? 0) + 1;
    seen.set(site.refName, count);
    if (count > 1) site.refName = `${site.refName}#${count}`;
  }
  return { prologue: directives, serverDirective, isServerModule, isClientModule, sites, valueExports };
}

/** An export of a `"use cache"` module that is not an async function of its own: Next registers the value as it is. */
const CACHE_MODULE_VALUE_EXPORT: Unguardable = {
  reason:
    'it is exported from a "use cache" module without being an async function declared in the export, so Next registers ' +
    'the value itself under this name (callable by ID, with a cache function\'s ID) without making it a cache function, ' +
    'and there is no function of its own to guard',
  fix: 'declare it in this module as `export async function name(…) {…}` or `export const name = async (…) => …` (it becomes a cache function), or move it out of the "use cache" module',
};

/**
 * The exports of a `"use cache"` module that Next registers but does not turn into cache functions (a wrapped
 * function, a destructured binding, an imported binding, a class, a binding assigned later): each is a site that
 * cannot be guarded. Cache functions (the module's exported async functions) become `cache` sites in the visitor;
 * an export with its own `"use server"` is an inline action there.
 */
function collectCacheModuleExports(program: Program, cacheExports: ReadonlyMap<Node, string>, sites: ActionSite[]): void {
  const found: ActionSite[] = [];
  collectExportSites(program, found, new Map());
  for (const site of found) {
    if (site.fn !== null && (cacheExports.has(site.fn) || site.ownDirective !== null)) continue;
    sites.push({ ...site, unguardable: site.unguardable?.offset !== undefined ? site.unguardable : (site.unguardable ?? CACHE_MODULE_VALUE_EXPORT) });
  }
}

/**
 * The async functions a `"use cache"` module exports, each with the first name it is exported under: declarations,
 * arrows and function expressions exported directly, and module-level ones exported by a specifier
 * (`export { local as name }`, `export { local as "string name" }`, `export { local as default }`) or by
 * `export default local`. Next makes each a cache function `$$RSC_SERVER_CACHE_<n>` (checked with the oracle).
 */
function exportedAsyncFunctions(program: Program): Map<Node, string> {
  const functions = new Map<Node, string>();
  const asFunction = (node: Node | null | undefined): Node | null => {
    if (!node) return null;
    const value = node.type === 'FunctionDeclaration' ? node : unwrapExpression(node as Expression);
    return (value.type === 'FunctionDeclaration' || value.type === 'FunctionExpression' || value.type === 'ArrowFunctionExpression') && value.async
      ? value
      : null;
  };
  const add = (node: Node | null | undefined, name: string): void => {
    const fn = asFunction(node);
    if (fn !== null && !functions.has(fn)) functions.set(fn, name);
  };
  const locals = new Map<string, Node>();
  for (const statement of program.body) {
    const inner = statement.type === 'ExportNamedDeclaration' && statement.declaration ? statement.declaration : statement;
    if (inner.type === 'FunctionDeclaration' && inner.id) locals.set(inner.id.name, inner);
    else if (inner.type === 'VariableDeclaration') {
      for (const declarator of inner.declarations) {
        if (declarator.id.type === 'Identifier' && declarator.init) locals.set(declarator.id.name, declarator.init);
      }
    }
  }
  for (const statement of program.body) {
    if (statement.type === 'ExportDefaultDeclaration') {
      const declaration = statement.declaration;
      if (declaration.type === 'Identifier') add(locals.get(declaration.name), 'default');
      else add(declaration, 'default');
    }
    if (statement.type !== 'ExportNamedDeclaration' || statement.source || statement.exportKind === 'type') continue;
    if (statement.declaration) {
      const declaration = statement.declaration;
      if (declaration.type === 'VariableDeclaration') {
        for (const declarator of declaration.declarations) {
          if (declarator.id.type === 'Identifier') add(declarator.init, declarator.id.name);
        }
      } else if (declaration.type === 'FunctionDeclaration' && declaration.id) {
        add(declaration, declaration.id.name);
      }
      continue;
    }
    for (const specifier of statement.specifiers) {
      if (specifier.type !== 'ExportSpecifier' || specifier.exportKind === 'type') continue;
      add(locals.get(specifier.local.name), exportedName(specifier.exported));
    }
  }
  return functions;
}

function needsSyntheticDefaultBinding(node: ExportDefaultDeclaration): boolean {
  const declaration = node.declaration;
  if (declaration.type === 'FunctionDeclaration') return declaration.id === null || declaration.id === undefined;
  if (declaration.type === 'ClassDeclaration' || declaration.type === 'TSDeclareFunction') return false;
  const expression = unwrapExpression(declaration as Expression);
  return expression.type === 'ArrowFunctionExpression' || (expression.type === 'FunctionExpression' && !expression.id) ||
    expression.type === 'CallExpression';
}

/** A module-level declaration an `export { local }` may point at. */
type LocalDeclaration =
  | { kind: 'function'; fn: FunctionDeclaration; statement: Statement }
  | { kind: 'variable'; declarator: VariableDeclarator; statement: Statement; first: boolean }
  | { kind: 'pattern'; declarator: VariableDeclarator }
  | { kind: 'import' }
  | { kind: 'class'; node: Node }
  | { kind: 'other' };

function indexLocalDeclarations(program: Program): Map<string, LocalDeclaration> {
  const locals = new Map<string, LocalDeclaration>();
  for (const statement of program.body) {
    const inner = statement.type === 'ExportNamedDeclaration' && statement.declaration ? statement.declaration : statement;
    if (inner.type === 'FunctionDeclaration' && inner.id) locals.set(inner.id.name, { kind: 'function', fn: inner, statement });
    else if (inner.type === 'VariableDeclaration') {
      inner.declarations.forEach((declarator, index) => {
        if (declarator.id.type === 'Identifier') {
          locals.set(declarator.id.name, { kind: 'variable', declarator, statement, first: index === 0 });
        } else {
          const names = new Set<string>();
          collectPatternNames(declarator.id, names);
          for (const name of names) locals.set(name, { kind: 'pattern', declarator });
        }
      });
    } else if (inner.type === 'ImportDeclaration') {
      for (const specifier of inner.specifiers) locals.set(specifier.local.name, { kind: 'import' });
    } else if (inner.type === 'ClassDeclaration' && inner.id) {
      locals.set(inner.id.name, { kind: 'class', node: inner });
    } else if (inner.type === 'TSEnumDeclaration' && inner.id) {
      locals.set(inner.id.name, { kind: 'other' });
    }
  }
  return locals;
}

function exportedName(node: { type: string; name?: string; value?: string }): string {
  return node.type === 'StringLiteral' ? node.value! : node.name!;
}

function collectExportSites(program: Program, sites: ActionSite[], valueExports: Map<string, LocalisableExport>): void {
  const locals = indexLocalDeclarations(program);
  const siteByFunction = new Map<Node, ActionSite>();
  const siteByExpression = new Map<Node, ActionSite>();
  /** Module-scope bindings the export list reads (local name → export names): Next registers their final values. */
  const exportedLocals = new Map<string, string[]>();
  const exportsLocal = (localName: string, exportName: string): void => {
    exportedLocals.set(localName, [...(exportedLocals.get(localName) ?? []), exportName]);
  };

  const addFunctionSite = (
    fn: FunctionNode, exportName: string, selfName: string | null, docCarriers: Node[],
  ): void => {
    const earlier = siteByFunction.get(fn);
    if (earlier !== undefined) {
      // registerServerReference mutates the function object, so two exports cannot share one (docs/next-internals.md §6).
      earlier.unguardable ??= {
        reason: `the same function is exported as "${earlier.exportName}" and "${exportName}"`,
        fix: 'export it once, or declare a second action that calls a shared (non-exported) helper',
      };
      sites.push({ ...earlier, exportName, refName: exportName, offset: earlier.offset });
      return;
    }
    const site: ActionSite = {
      kind: 'export', exportName, fn, expression: null, selfName, docCarriers, offset: fn.start!, refName: exportName,
      inlineIndex: null,
      unguardable: directiveNamed(bodyDirectives(fn), isUseCache) !== null ? USE_CACHE_EXPORT : unguardableFunction(fn),
      ownDirective: directiveNamed(bodyDirectives(fn), isUseServer)?.node ?? null,
      prologueEnd: null,
    };
    siteByFunction.set(fn, site);
    sites.push(site);
  };

  const addExpressionSite = (expression: Expression, exportName: string, selfName: string | null, docCarriers: Node[]): void => {
    const earlier = siteByExpression.get(expression);
    if (earlier !== undefined) {
      // One value under two names: wrapping it once per name would evaluate and wrap it twice, and wrapping it once
      // would give two exports one function object, which registerServerReference cannot tell apart.
      earlier.unguardable ??= {
        reason: `the same value is exported as "${earlier.exportName}" and "${exportName}"`,
        fix: 'export it once, or declare a second action that calls a shared (non-exported) helper',
      };
      sites.push({ ...earlier, exportName, refName: exportName });
      return;
    }
    const site: ActionSite = {
      kind: 'export', exportName, fn: null, expression, selfName, docCarriers, offset: expression.start!, refName: exportName,
      inlineIndex: null, unguardable: null, ownDirective: null, prologueEnd: null,
    };
    siteByExpression.set(expression, site);
    sites.push(site);
  };

  const addUnguardable = (node: Node, exportName: string, reason: string, docCarriers: Node[], fix = DECLARE_HERE): void => {
    sites.push({
      kind: 'export', exportName, fn: null, expression: null, selfName: null, docCarriers, offset: node.start!,
      refName: exportName, inlineIndex: null, unguardable: { reason, fix }, ownDirective: null, prologueEnd: null,
    });
  };

  /** An exported variable: a function is a site, a may-be-function expression is a site, a value is localisable. */
  const addVariable = (
    declarator: VariableDeclarator, exportName: string, docCarriers: Node[], localisable: LocalisableExport | null,
  ): void => {
    if (declarator.id.type !== 'Identifier') {
      // Next registers every name the pattern binds; there is no single function or expression per name to wrap.
      addUnguardable(declarator, exportName, `"${exportName}" is bound by destructuring, so there is no expression of its own to wrap`, docCarriers, DESTRUCTURED_FIX);
      return;
    }
    if (!declarator.init) return;
    const init = unwrapExpression(declarator.init);
    const selfName = declarator.id.name;
    if (init.type === 'ArrowFunctionExpression' || init.type === 'FunctionExpression') {
      // Sync functions are Next's compile error ("Server Actions must be async functions"); leave them to it.
      if (init.async) addFunctionSite(init, exportName, selfName, [init, ...docCarriers]);
    } else if (mayBeFunction(init)) {
      if (localisable !== null) valueExports.set(exportName, localisable);
      addExpressionSite(init, exportName, selfName, [init, ...docCarriers]);
    } else if (localisable !== null) {
      valueExports.set(exportName, localisable);
    }
  };

  const addLocal = (
    localName: string, exportName: string, exportCarriers: Node[], localisable: LocalisableExport | null, at: Node,
  ): void => {
    const local = locals.get(localName);
    exportsLocal(localName, exportName);
    if (local === undefined || local.kind === 'other') return;
    if (local.kind === 'pattern') {
      const reason = `"${localName}" is bound by destructuring, so there is no expression of its own to wrap`;
      addUnguardable(at, exportName, reason, [local.declarator, ...exportCarriers], DESTRUCTURED_FIX);
      return;
    }
    if (local.kind === 'class') {
      addUnguardable(at, exportName, `"${localName}" is a class, which Next registers as an action because it is a function`, exportCarriers);
      return;
    }
    if (local.kind === 'import') {
      addUnguardable(at, exportName, `"${localName}" is imported, so there is no declaration here to wrap`, exportCarriers);
      return;
    }
    if (local.kind === 'function') {
      if (local.fn.async) addFunctionSite(local.fn, exportName, localName, [local.fn, local.statement, ...exportCarriers]);
      return;
    }
    const carriers: Node[] = [local.declarator, ...(local.first ? [local.statement] : []), ...exportCarriers];
    addVariable(local.declarator, exportName, carriers, localisable);
  };

  const overloadSignatures = new Map<string, Node[]>();
  for (const statement of program.body) {
    if (statement.type === 'ExportNamedDeclaration' && statement.declaration?.type === 'TSDeclareFunction' && statement.declaration.id) {
      const name = statement.declaration.id.name;
      overloadSignatures.set(name, [...(overloadSignatures.get(name) ?? []), statement.declaration, statement]);
    }
  }
  for (const statement of program.body) {
    if (statement.type === 'ExportNamedDeclaration') {
      if (statement.source || statement.exportKind === 'type') continue; // re-exports: Next's compile error
      const declaration = statement.declaration;
      if (declaration) {
        if (declaration.type === 'FunctionDeclaration' && declaration.id && declaration.async) {
          // The JSDoc of an overloaded function usually sits above its first overload signature.
          const overloads = overloadSignatures.get(declaration.id.name) ?? [];
          addFunctionSite(declaration, declaration.id.name, declaration.id.name, [declaration, statement, ...overloads]);
        } else if (declaration.type === 'VariableDeclaration') {
          declaration.declarations.forEach((declarator, index) => {
            const carriers: Node[] = [declarator, ...(index === 0 ? [declaration, statement] : [])];
            const names = new Set<string>();
            collectPatternNames(declarator.id, names);
            for (const name of names) {
              exportsLocal(name, name);
              addVariable(declarator, name, carriers, declarator.id.type === 'Identifier' ? { name, localName: name, statement, specifier: null } : null);
            }
          });
        }
        if (declaration.type === 'FunctionDeclaration' && declaration.id) exportsLocal(declaration.id.name, declaration.id.name);
        continue;
      }
      for (const specifier of statement.specifiers) {
        if (specifier.type !== 'ExportSpecifier' || specifier.exportKind === 'type') continue;
        const name = exportedName(specifier.exported);
        addLocal(specifier.local.name, name, [specifier, statement], { name, localName: specifier.local.name, statement, specifier }, specifier);
      }
    } else if (statement.type === 'ExportDefaultDeclaration') {
      const declaration = statement.declaration;
      if (declaration.type === 'FunctionDeclaration') {
        if (declaration.async) addFunctionSite(declaration, 'default', declaration.id?.name ?? null, [declaration, statement]);
        if (declaration.id) exportsLocal(declaration.id.name, 'default');
      } else if (declaration.type !== 'ClassDeclaration' && declaration.type !== 'TSDeclareFunction') {
        const expression = unwrapExpression(declaration as Expression);
        if (expression.type === 'ArrowFunctionExpression' || expression.type === 'FunctionExpression') {
          if (expression.async) addFunctionSite(expression, 'default', null, [expression, statement]);
        } else if (expression.type === 'Identifier') {
          addLocal(expression.name, 'default', [statement], null, expression);
        } else if (mayBeFunction(expression)) {
          addExpressionSite(expression, 'default', null, [expression, statement]);
        }
      }
    }
  }
  rejectWrittenExports(program, sites, exportedLocals);
}

const HOW_WRITTEN: Record<BindingWrite['how'], string> = {
  assignment: 'assigned',
  update: 'updated with ++/--',
  loop: 'assigned by a for…in/of loop',
  redeclaration: 'declared again',
  eval: 'possibly assigned by a direct eval()',
};

/**
 * Next registers the value an exported binding holds once the module has run, not the declaration the wrapper
 * went around, so any later write to it (anywhere in the module, nested functions included) could put an
 * unguarded function behind the action's ID. Such exports are rejected, never recorded as guarded; exports that
 * had no site of their own (`export let x;` assigned later) get one.
 */
function rejectWrittenExports(program: Program, sites: ActionSite[], exportedLocals: ReadonlyMap<string, string[]>): void {
  const writes = findBindingWrites(program, new Set(exportedLocals.keys()));
  if (writes.length === 0) return;
  const firstWrite = new Map<string, BindingWrite>();
  for (const write of writes) if (!firstWrite.has(write.name)) firstWrite.set(write.name, write);
  const unguardableFor = (name: string): Unguardable => {
    const write = firstWrite.get(name)!;
    const line = write.node.loc?.start.line ?? 0;
    if (write.how === 'eval') {
      return {
        reason: `this "use server" module calls eval() (line ${line}), which can assign "${name}" after the guard was put around its declaration`,
        fix: 'remove the direct eval() call from this module',
        offset: write.node.start!,
      };
    }
    return {
      reason:
        `"${name}" is ${HOW_WRITTEN[write.how]} on line ${line}, and Next registers the value the binding holds after the module ` +
        'has run, which the guard around its declaration does not cover',
      fix:
        `declare "${name}" once and never assign to it (\`export async function ${name}(…) {…}\` or \`export const ${name} = async (…) => …\`); ` +
        "to choose an implementation at run time, make that choice inside the action's body",
      offset: write.node.start!,
    };
  };
  const covered = new Set<string>();
  for (const site of sites) {
    if (site.kind !== 'export') continue;
    const local = site.selfName ?? [...exportedLocals].find(([, names]) => names.includes(site.exportName!))?.[0];
    if (local === undefined || !firstWrite.has(local)) continue;
    covered.add(site.exportName!);
    if (site.unguardable === null || site.unguardable === USE_CACHE_EXPORT || !site.unguardable.offset) site.unguardable = unguardableFor(local);
  }
  for (const [local, exportNames] of exportedLocals) {
    if (!firstWrite.has(local)) continue;
    for (const exportName of exportNames) {
      if (covered.has(exportName)) continue;
      const write = firstWrite.get(local)!;
      sites.push({
        kind: 'export', exportName, fn: null, expression: null, selfName: null, docCarriers: [], offset: write.node.start!,
        refName: exportName, inlineIndex: null, unguardable: unguardableFor(local), ownDirective: null, prologueEnd: null,
      });
    }
  }
}

/** The nearest JSDoc block (`/** … *\/`) among the leading comments of the carriers. */
export function findJsDoc(carriers: readonly Node[]): Comment | null {
  for (const carrier of carriers) {
    const comments = carrier.leadingComments;
    if (!comments) continue;
    for (let index = comments.length - 1; index >= 0; index--) {
      const comment = comments[index]!;
      if (comment.type === 'CommentBlock' && comment.value.startsWith('*')) return comment;
    }
  }
  return null;
}
