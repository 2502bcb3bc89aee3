import type { Expression, Node, Program } from '@babel/types';
import type { Finding } from '../diagnostics/format-diagnostic.js';
import { childNodes, isFunctionNode } from './ast-walk.js';
import type { FunctionNode } from './collect-action-sites.js';
import { collectPatternNames } from './module-scope.js';

/**
 * Words that make a variable's name say it holds a secret, compared with the name lower-cased and without `_` and
 * `-` (`API_KEY`, `apiKey`, `stripeSecret`, `sessionToken`, `dbPassword`, `privateKey`). Keep in step with
 * docs/diagnostics.md ("captured-secret").
 */
export const SECRET_NAME_WORDS = ['secret', 'token', 'apikey', 'password', 'passwd', 'privatekey', 'credential', 'accesskey', 'signingkey'] as const;

/** Whether a name says it holds a secret (SECRET_NAME_WORDS). */
export function isSecretName(name: string): boolean {
  const flat = name.toLowerCase().replace(/[_-]/g, '');
  return SECRET_NAME_WORDS.some((word) => flat.includes(word));
}

/** `a.b.c` for a member chain of identifiers, else null. */
function calleeText(node: Node): string | null {
  if (node.type === 'Identifier') return node.name;
  if (node.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier') {
    const object = calleeText(node.object);
    return object === null ? null : `${object}.${node.property.name}`;
  }
  return null;
}

interface SecretImports {
  /** Local names bound by imports that `secretSources` names (the module or the imported name). */
  names: Map<string, string>;
}

function readSecretImports(program: Program, sources: readonly string[]): SecretImports {
  const names = new Map<string, string>();
  for (const statement of program.body) {
    if (statement.type !== 'ImportDeclaration' || statement.importKind === 'type') continue;
    const fromSecretModule = sources.includes(statement.source.value);
    for (const specifier of statement.specifiers) {
      const imported =
        specifier.type === 'ImportSpecifier'
          ? specifier.imported.type === 'Identifier' ? specifier.imported.name : specifier.imported.value
          : specifier.type === 'ImportDefaultSpecifier' ? 'default' : '*';
      if (fromSecretModule) names.set(specifier.local.name, `it is imported from "${statement.source.value}" (a secretSources module)`);
      else if (sources.includes(specifier.local.name) || sources.includes(imported)) names.set(specifier.local.name, `"${imported}" is named in secretSources`);
    }
  }
  return { names };
}

/** Why an initialiser's value is secret, or null: process.env, a secretSources call or an import they name. */
function secretOrigin(init: Node, sources: readonly string[], imports: SecretImports): string | null {
  let found: string | null = null;
  const visit = (node: Node): void => {
    if (found !== null || isFunctionNode(node)) return;
    const text = node.type === 'MemberExpression' ? calleeText(node) : null;
    if (text === 'process.env' || text?.startsWith('process.env.')) {
      found = `its value comes from ${text}`;
      return;
    }
    if (node.type === 'CallExpression') {
      const callee = calleeText(node.callee);
      if (callee !== null && sources.includes(callee)) {
        found = `its value comes from ${callee}(), which secretSources names`;
        return;
      }
    }
    if (node.type === 'Identifier' && imports.names.has(node.name)) {
      found = `its value comes from ${node.name} (${imports.names.get(node.name)})`;
      return;
    }
    for (const child of childNodes(node)) visit(child);
  };
  visit(init);
  return found;
}

/** Names a function declares for itself: parameters and declarations in its body (not in nested functions). */
function ownDeclarations(fn: FunctionNode): Map<string, Node | null> {
  const declared = new Map<string, Node | null>();
  for (const param of fn.params) {
    const names = new Set<string>();
    collectPatternNames(param, names);
    for (const name of names) declared.set(name, null);
  }
  const visit = (node: Node): void => {
    if (node !== fn && isFunctionNode(node)) {
      if (node.type === 'FunctionDeclaration' && node.id) declared.set(node.id.name, null);
      return;
    }
    if (node.type === 'VariableDeclarator') {
      const names = new Set<string>();
      collectPatternNames(node.id, names);
      for (const name of names) declared.set(name, node.init ?? null);
    }
    if (node.type === 'ClassDeclaration' && node.id) declared.set(node.id.name, null);
    for (const child of childNodes(node)) visit(child);
  };
  visit(fn.body);
  return declared;
}

/** Identifiers read in a function (and the functions inside it), with where each is first read. */
function readIdentifiers(fn: FunctionNode): Map<string, number> {
  const reads = new Map<string, number>();
  const visit = (node: Node, parent: Node | null): void => {
    if (node.type === 'Identifier') {
      const isKey =
        parent !== null &&
        (((parent.type === 'MemberExpression' || parent.type === 'OptionalMemberExpression') && parent.property === node && !parent.computed) ||
          ((parent.type === 'ObjectProperty' || parent.type === 'ObjectMethod') && parent.key === node && !parent.computed && !(parent.type === 'ObjectProperty' && parent.shorthand)));
      if (!isKey && !reads.has(node.name)) reads.set(node.name, node.start!);
      return;
    }
    if (node.type.startsWith('TS') && node.type !== 'TSAsExpression' && node.type !== 'TSNonNullExpression' && node.type !== 'TSSatisfiesExpression') return;
    for (const child of childNodes(node)) visit(child, node);
  };
  visit(fn.body, null);
  return reads;
}

/**
 * Inline `"use server"` functions that close over a secret: a variable of an enclosing function whose value comes
 * from `process.env`, from a call or import `secretSources` names, or whose name says it is a secret. Next encrypts
 * the captured values of an inline action and sends them to the client, which sends them back with each call.
 */
export function findCapturedSecrets(program: Program, inlineActions: readonly FunctionNode[], secretSources: readonly string[]): Finding[] {
  if (inlineActions.length === 0) return [];
  const imports = readSecretImports(program, secretSources);
  const targets = new Set<Node>(inlineActions);
  const enclosing = new Map<FunctionNode, FunctionNode[]>();
  const walk = (node: Node, stack: FunctionNode[]): void => {
    if (targets.has(node)) enclosing.set(node as FunctionNode, stack);
    const next = isFunctionNode(node) ? [...stack, node as FunctionNode] : stack;
    for (const child of childNodes(node)) walk(child, next);
  };
  walk(program, []);

  const findings: Finding[] = [];
  for (const action of inlineActions) {
    const scopes = (enclosing.get(action) ?? []).map(ownDeclarations);
    if (scopes.length === 0) continue;
    // Names the action declares itself (at any depth) shadow the enclosing ones; an approximation that can only
    // miss a capture, never invent one.
    const own = new Set<string>();
    const collectOwn = (node: Node): void => {
      if (isFunctionNode(node)) for (const name of ownDeclarations(node as FunctionNode).keys()) own.add(name);
      for (const child of childNodes(node)) collectOwn(child);
    };
    collectOwn(action);
    for (const [name, offset] of readIdentifiers(action)) {
      if (own.has(name)) continue;
      const scope = [...scopes].reverse().find((declarations) => declarations.has(name));
      if (scope === undefined) continue;
      const init = scope.get(name) ?? null;
      const origin = init === null ? null : secretOrigin(init as Expression, secretSources, imports);
      const why = origin ?? (isSecretName(name) ? 'its name says it is a secret' : null);
      if (why === null) continue;
      findings.push({
        name: 'captured-secret',
        offset,
        message:
          `the inline Server Action captures \`${name}\` from the enclosing function, and ${why}: Next encrypts captured ` +
          'values and sends them to the browser, which sends them back with every call, so the secret leaves the server',
        fix: `read the value inside the action instead of capturing it: move the line that sets \`${name}\` into the action's body (or read it in a "use server" module), so only the server ever sees it`,
      });
    }
  }
  return findings;
}

