import type { CatchClause, Node, Program, TryStatement } from '@babel/types';
import type { Finding } from '../diagnostics/format-diagnostic.js';
import { childNodes, isFunctionNode } from './ast-walk.js';
import type { FunctionNode } from './collect-action-sites.js';

/** The `next/navigation` functions that work by throwing (Next catches the error and navigates or renders). */
export const NAVIGATION_THROWERS = ['redirect', 'permanentRedirect', 'notFound', 'forbidden', 'unauthorized'] as const;

interface NavigationImports {
  /** Local name → imported name, for the throwing functions. */
  throwers: Map<string, string>;
  /** Local names of `unstable_rethrow`. */
  rethrow: Set<string>;
  /** Local names of `import * as nav from 'next/navigation'`. */
  namespaces: Set<string>;
}

function readImports(program: Program): NavigationImports {
  const found: NavigationImports = { throwers: new Map(), rethrow: new Set(), namespaces: new Set() };
  for (const statement of program.body) {
    if (statement.type !== 'ImportDeclaration' || statement.importKind === 'type' || statement.source.value !== 'next/navigation') continue;
    for (const specifier of statement.specifiers) {
      if (specifier.type === 'ImportNamespaceSpecifier') found.namespaces.add(specifier.local.name);
      if (specifier.type !== 'ImportSpecifier' || specifier.importKind === 'type') continue;
      const imported = specifier.imported.type === 'Identifier' ? specifier.imported.name : specifier.imported.value;
      if ((NAVIGATION_THROWERS as readonly string[]).includes(imported)) found.throwers.set(specifier.local.name, imported);
      if (imported === 'unstable_rethrow') found.rethrow.add(specifier.local.name);
    }
  }
  return found;
}

/** Module-level functions by name: `function f() {}` and `const f = () => {}` / `function () {}` (exported or not). */
function moduleFunctions(program: Program): Map<string, FunctionNode> {
  const functions = new Map<string, FunctionNode>();
  for (const statement of program.body) {
    const declaration = statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration' ? statement.declaration : statement;
    if (declaration?.type === 'FunctionDeclaration' && declaration.id) functions.set(declaration.id.name, declaration);
    if (declaration?.type === 'VariableDeclaration') {
      for (const declarator of declaration.declarations) {
        const init = declarator.init;
        if (declarator.id.type === 'Identifier' && (init?.type === 'ArrowFunctionExpression' || init?.type === 'FunctionExpression')) {
          functions.set(declarator.id.name, init);
        }
      }
    }
  }
  return functions;
}

/** The name a call calls, when it is one of the throwing navigation functions (`redirect(…)`, `nav.notFound(…)`). */
function navigationCallee(node: Node, imports: NavigationImports): string | null {
  if (node.type !== 'CallExpression') return null;
  const callee = node.callee;
  if (callee.type === 'Identifier') return imports.throwers.get(callee.name) ?? null;
  if (callee.type === 'MemberExpression' && callee.object.type === 'Identifier' && imports.namespaces.has(callee.object.name) &&
    callee.property.type === 'Identifier' && !callee.computed && (NAVIGATION_THROWERS as readonly string[]).includes(callee.property.name)) {
    return callee.property.name;
  }
  return null;
}

function isRethrowCall(node: Node, param: string, imports: NavigationImports): boolean {
  if (node.type !== 'ExpressionStatement' || node.expression.type !== 'CallExpression') return false;
  const { callee, arguments: args } = node.expression;
  const named =
    (callee.type === 'Identifier' && imports.rethrow.has(callee.name)) ||
    (callee.type === 'MemberExpression' && callee.object.type === 'Identifier' && imports.namespaces.has(callee.object.name) &&
      callee.property.type === 'Identifier' && callee.property.name === 'unstable_rethrow');
  return named && args[0]?.type === 'Identifier' && args[0].name === param;
}

/**
 * Whether a catch lets Next's navigation errors through: it throws its error again somewhere (a catch that handles
 * some errors and rethrows the rest counts), or calls `unstable_rethrow(error)` before it can return.
 */
function catchLetsThrough(handler: CatchClause, imports: NavigationImports): boolean {
  if (handler.param?.type !== 'Identifier') return false;
  const param = handler.param.name;
  for (const statement of handler.body.body) {
    if (isRethrowCall(statement, param, imports)) return true;
    if (statement.type === 'ReturnStatement') break;
  }
  const rethrows = (node: Node): boolean => {
    if (isFunctionNode(node)) return false;
    if (node.type === 'ThrowStatement' && node.argument.type === 'Identifier' && node.argument.name === param) return true;
    return childNodes(node).some(rethrows);
  };
  return rethrows(handler.body);
}

/**
 * Finds calls of `redirect`, `permanentRedirect`, `notFound`, `forbidden` and `unauthorized` from `next/navigation`
 * inside a `try` whose `catch` swallows the error they throw, in each action body and in the functions of the same
 * module those bodies call (directly or through each other). A helper of the module that navigates, called inside
 * such a `try`, is reported at that call. Nested functions (callbacks) are not followed: when they run is unknown.
 */
export function findSwallowedNavigation(program: Program, actions: readonly FunctionNode[], source: string): Finding[] {
  const imports = readImports(program);
  if (imports.throwers.size === 0 && imports.namespaces.size === 0) return [];
  const helpers = moduleFunctions(program);
  const findings = new Map<number, Finding>();
  const lineOf = (offset: number): number => source.slice(0, offset).split('\n').length;

  // Whether calling a module function can throw a navigation error out of it (memoised; cycles count as no).
  const navigates = new Map<FunctionNode, string | null>();
  const navigationOutOf = (fn: FunctionNode): string | null => {
    if (navigates.has(fn)) return navigates.get(fn)!;
    navigates.set(fn, null);
    let found: string | null = null;
    const visit = (node: Node, guarded: boolean): void => {
      if (found !== null || (node !== fn && isFunctionNode(node))) return;
      if (node.type === 'TryStatement') {
        const swallows = node.handler !== null && node.handler !== undefined && !catchLetsThrough(node.handler, imports);
        visit(node.block, guarded || swallows);
        if (node.handler) visit(node.handler.body, guarded);
        if (node.finalizer) visit(node.finalizer, guarded);
        return;
      }
      if (!guarded) {
        const direct = navigationCallee(node, imports);
        const helper = node.type === 'CallExpression' && node.callee.type === 'Identifier' ? helpers.get(node.callee.name) : undefined;
        const through = helper === undefined ? null : navigationOutOf(helper);
        if (direct !== null) found = `${direct}()`;
        else if (through !== null) found = `${(node as { callee: { name: string } }).callee.name}() (which calls ${through})`;
      }
      for (const child of childNodes(node)) visit(child, guarded);
    };
    visit(fn.body, false);
    navigates.set(fn, found);
    return found;
  };

  const checked = new Set<FunctionNode>();
  const check = (fn: FunctionNode): void => {
    if (checked.has(fn)) return;
    checked.add(fn);
    const visit = (node: Node, swallowing: TryStatement | null): void => {
      if (isFunctionNode(node) && node !== fn) return;
      if (node.type === 'TryStatement') {
        const swallows = node.handler !== null && node.handler !== undefined && !catchLetsThrough(node.handler, imports) ? node : null;
        visit(node.block, swallowing ?? swallows);
        if (node.handler) visit(node.handler.body, swallowing);
        if (node.finalizer) visit(node.finalizer, swallowing);
        return;
      }
      if (node.type === 'CallExpression') {
        const helper = node.callee.type === 'Identifier' ? helpers.get(node.callee.name) : undefined;
        if (helper !== undefined && helper !== fn) check(helper);
        if (swallowing !== null) {
          const direct = navigationCallee(node, imports);
          const through = direct === null && helper !== undefined ? navigationOutOf(helper) : null;
          const what = direct !== null ? `${direct}()` : through !== null ? `${(node.callee as { name: string }).name}() (which calls ${through})` : null;
          if (what !== null && !findings.has(node.start!)) {
            const catchLine = lineOf(swallowing.handler!.start!);
            // The function that throws: the call itself, or the last one named in a helper chain.
            const name = direct ?? [...what.matchAll(/(\w+)\(\)/g)].at(-1)![1]!;
            findings.set(node.start!, {
              name: 'swallowed-navigation',
              offset: node.start!,
              message:
                `${what} is called inside a try whose catch (line ${catchLine}) neither rethrows nor calls unstable_rethrow(error) first: ` +
                `${name}() works by throwing, so the catch swallows it and Next never ${name === 'redirect' || name === 'permanentRedirect' ? 'redirects' : 'renders the error page'}`,
              fix:
                `move the ${what.split(' ')[0]} call after the try/catch (keep only the work that can fail inside the try), or make ` +
                '`unstable_rethrow(error)` (from next/navigation) the first statement of the catch, or rethrow the errors the catch does not handle',
            });
          }
        }
      }
      for (const child of childNodes(node)) visit(child, swallowing);
    };
    visit(fn.body, null);
  };
  for (const fn of actions) check(fn);
  return [...findings.values()];
}
