import { parse } from '@babel/parser';
import type { CallExpression, Expression, File, Function as FunctionNode, Node, Statement } from '@babel/types';

/**
 * Auth function names `suggest` recognises (docs/adopting.md lists them); config `authFunctions` adds more.
 * `lookups` return the session or null (the body must then gate on it); `guards` throw or redirect when no one is
 * signed in, so a call to one gates the rest of the body by itself.
 */
export const BUILT_IN_AUTH_FUNCTIONS = {
  lookups: ['auth', 'getSession', 'getServerSession', 'getServerAuthSession', 'currentUser', 'getUser', 'getCurrentUser', 'validateRequest', 'getIronSession'],
  guards: ['requireAuth', 'requireUser', 'requireSession', 'ensureAuth', 'ensureSignedIn', 'assertAuthenticated', 'protect'],
};

/** A proposed tag with what it rests on. */
export interface Proposal {
  tag: '@requiresAuth' | '@role' | '@schema';
  /** The tag line as it would be written: `@role admin`, `@schema CreatePostSchema`. */
  text: string;
  /** `file:line` of what was seen. */
  evidence: string[];
}

/** Calls that leave the action without running the rest of its body. */
const EXITS = new Set(['redirect', 'permanentRedirect', 'notFound', 'unauthorized', 'forbidden']);

function calleeName(call: CallExpression): string | null {
  const callee = call.callee;
  if (callee.type === 'Identifier') return callee.name;
  if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier') return callee.property.name;
  return null;
}

function unwrap(node: Expression): Expression {
  let current = node;
  while (current.type === 'AwaitExpression' || current.type === 'TSNonNullExpression' || current.type === 'TSAsExpression' || current.type === 'ParenthesizedExpression') {
    current = current.type === 'AwaitExpression' ? current.argument : current.expression;
  }
  return current;
}

function leavesWith(statement: Statement, allowReturn: boolean): boolean {
  if (statement.type === 'ThrowStatement') return true;
  if (statement.type === 'ReturnStatement') return allowReturn;
  if (statement.type === 'BlockStatement') return statement.body.some((s) => leavesWith(s, allowReturn));
  if (statement.type === 'ExpressionStatement') {
    const expression = unwrap(statement.expression);
    return expression.type === 'CallExpression' && EXITS.has(calleeName(expression) ?? '');
  }
  return false;
}

/** Names bound by `const x = …` or `const { a, b: c, data: { user } } = …`. */
function boundNames(id: Node): string[] {
  if (id.type === 'Identifier') return [id.name];
  if (id.type === 'ObjectPattern') return id.properties.flatMap((p) => (p.type === 'RestElement' ? boundNames(p.argument) : boundNames(p.value)));
  if (id.type === 'ArrayPattern') return id.elements.flatMap((e) => (e ? boundNames(e) : []));
  if (id.type === 'AssignmentPattern') return boundNames(id.left);
  return [];
}

/** The identifier a member chain starts at: `session.user.id` → `session`. */
function rootName(node: Node): string | null {
  let current: Node = node;
  while (current.type === 'MemberExpression' || current.type === 'OptionalMemberExpression' || current.type === 'TSNonNullExpression') {
    current = current.type === 'TSNonNullExpression' ? current.expression : current.object;
  }
  return current.type === 'Identifier' ? current.name : null;
}

/** `!x`, `!x.y`, `x == null`, `!x || …`: true when the test is true for a missing session (every such caller leaves). */
function refusesMissing(test: Expression, names: Set<string>): boolean {
  if (test.type === 'LogicalExpression' && test.operator === '||') return refusesMissing(test.left, names);
  if (test.type === 'UnaryExpression' && test.operator === '!') {
    const root = rootName(test.argument);
    return root !== null && names.has(root);
  }
  if (test.type === 'BinaryExpression' && (test.operator === '==' || test.operator === '===')) {
    const nullish = test.right.type === 'NullLiteral' || (test.right.type === 'Identifier' && test.right.name === 'undefined');
    const root = nullish && test.left.type !== 'PrivateName' ? rootName(test.left) : null;
    return root !== null && names.has(root);
  }
  return false;
}

/** `session.user.role !== 'admin'` (or `'admin' !== …`) on a session name: the role. */
function roleComparison(test: Expression, names: Set<string>): string | null {
  if (test.type !== 'BinaryExpression' || (test.operator !== '!==' && test.operator !== '!=')) return null;
  const [member, literal] = test.left.type === 'StringLiteral' ? [test.right, test.left] : [test.left, test.right];
  if (literal.type !== 'StringLiteral' || member.type === 'PrivateName') return null;
  if (member.type !== 'MemberExpression' && member.type !== 'OptionalMemberExpression') return null;
  const property = member.property;
  const last = property.type === 'Identifier' ? property.name : property.type === 'StringLiteral' ? property.value : '';
  if (!/^role$/i.test(last)) return null;
  const root = rootName(member);
  return root !== null && names.has(root) && /^[\w-]+$/.test(literal.value) ? literal.value : null;
}

/** What `suggest` needs to know about the module: parsed once, with its top-level functions. */
export interface ModuleView {
  ast: File;
  file: string;
  functions: Map<string, FunctionNode>;
  /** Module-scope value bindings (a schema may only be named if it is here). */
  bindings: Set<string>;
}

/** Parses a module for `suggest`. */
export function viewModule(code: string, file: string): ModuleView {
  const typescript = /\.[cm]?tsx?$/.test(file);
  const ast = parse(code, { sourceType: 'module', plugins: typescript ? (file.endsWith('x') ? ['typescript', 'jsx'] : ['typescript']) : ['jsx'], errorRecovery: true });
  const functions = new Map<string, FunctionNode>();
  const bindings = new Set<string>();
  for (const raw of ast.program.body) {
    const statement = raw.type === 'ExportNamedDeclaration' && raw.declaration ? raw.declaration : raw;
    if (statement.type === 'FunctionDeclaration' && statement.id) {
      functions.set(statement.id.name, statement);
      bindings.add(statement.id.name);
    }
    if (statement.type === 'VariableDeclaration') {
      for (const d of statement.declarations) {
        for (const name of boundNames(d.id)) bindings.add(name);
        if (d.id.type === 'Identifier' && d.init && (d.init.type === 'ArrowFunctionExpression' || d.init.type === 'FunctionExpression')) functions.set(d.id.name, d.init);
      }
    }
    if (statement.type === 'ImportDeclaration' && statement.importKind !== 'type') {
      for (const s of statement.specifiers) if (!(s.type === 'ImportSpecifier' && s.importKind === 'type')) bindings.add(s.local.name);
    }
  }
  return { ast, file, functions, bindings };
}

function walk(node: unknown, visit: (node: Node) => boolean | void): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit);
    return;
  }
  const n = node as Node;
  if (typeof n.type !== 'string') return;
  if (visit(n) === false) return;
  for (const key of Object.keys(n)) {
    if (key === 'loc' || key === 'leadingComments' || key === 'trailingComments' || key === 'innerComments') continue;
    walk((n as unknown as Record<string, unknown>)[key], visit);
  }
}

/** Finds the action's function by its location (1-based line, 0-based column, as in ActionRecord.loc). */
export function findFunction(view: ModuleView, loc: { line: number; column: number }): FunctionNode | null {
  let found: FunctionNode | null = null;
  walk(view.ast.program, (node) => {
    if (found) return false;
    if ((node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression') &&
      node.loc?.start.line === loc.line && node.loc.start.column === loc.column) {
      found = node;
      return false;
    }
    return true;
  });
  return found;
}

interface AuthNames {
  lookups: Set<string>;
  guards: Set<string>;
}

interface Gate {
  evidence: string[];
  role: string | null;
  roleEvidence: string | null;
}

/**
 * Reads the leading statements of a body: a guard call, or a session lookup followed by an `if` that refuses a
 * missing session and always leaves, gates the rest; a role comparison on the session that leaves gates by role.
 * Only statements before any other effect count, so no path reaches the rest of the body anonymously. In a helper
 * (`strict`), only a throw or redirect counts as leaving: a `return` would let the action's body go on.
 */
function readGate(body: Statement[], view: ModuleView, names: AuthNames, depth: number, strict: boolean): Gate | null {
  const at = (node: Node) => `${view.file}:${node.loc!.start.line}`;
  const sessionNames = new Set<string>();
  const gate: Gate = { evidence: [], role: null, roleEvidence: null };
  let gated = false;
  for (const statement of body) {
    if (statement.type === 'VariableDeclaration' && statement.declarations.length === 1) {
      const declaration = statement.declarations[0]!;
      const init = declaration.init ? unwrap(declaration.init) : null;
      if (init?.type === 'CallExpression') {
        const name = calleeName(init);
        if (name && names.guards.has(name)) {
          gate.evidence.push(`${at(statement)} ${name}() refuses a caller who is not signed in`);
          gated = true;
          boundNames(declaration.id).forEach((n) => sessionNames.add(n));
          continue;
        }
        if (name && names.lookups.has(name) && !gated) {
          boundNames(declaration.id).forEach((n) => sessionNames.add(n));
          gate.evidence.push(`${at(statement)} session lookup ${name}()`);
          continue;
        }
        const local = name && init.callee.type === 'Identifier' ? view.functions.get(name) : undefined;
        if (local && depth < 2 && local.body.type === 'BlockStatement' && !gated && readGate(local.body.body, view, names, depth + 1, true)) {
          gate.evidence.push(`${at(statement)} ${name}() gates on the session (${at(local)})`);
          gated = true;
          boundNames(declaration.id).forEach((n) => sessionNames.add(n));
          continue;
        }
      }
      break;
    }
    if (statement.type === 'ExpressionStatement') {
      const expression = unwrap(statement.expression);
      const name = expression.type === 'CallExpression' ? calleeName(expression) : null;
      if (name && names.guards.has(name)) {
        gate.evidence.push(`${at(statement)} ${name}() refuses a caller who is not signed in`);
        gated = true;
        continue;
      }
      break;
    }
    if (statement.type === 'IfStatement' && !statement.alternate && sessionNames.size > 0) {
      const leaves = leavesWith(statement.consequent, !strict);
      if (leaves && !gated && refusesMissing(statement.test, sessionNames)) {
        gate.evidence.push(`${at(statement)} leaves when there is no session`);
        gated = true;
        const roleIn = statement.test.type === 'LogicalExpression' ? roleComparison(statement.test.right, sessionNames) : null;
        if (roleIn) {
          gate.role = roleIn;
          gate.roleEvidence = `${at(statement)} leaves unless the session's role is "${roleIn}"`;
        }
        continue;
      }
      const compared = gated && leaves && gate.role === null ? roleComparison(statement.test, sessionNames) : null;
      if (compared) {
        gate.role = compared;
        gate.roleEvidence = `${at(statement)} leaves unless the session's role is "${compared}"`;
        continue;
      }
      break;
    }
    break;
  }
  return gated ? gate : null;
}

/** The parameter a `Schema.safeParse(x)` argument reads: `formData`, `Object.fromEntries(formData)`, `{ a: formData.get('a') }`. */
function parsedParameter(argument: Node): string | null {
  if (argument.type === 'Identifier') return argument.name;
  if (argument.type === 'CallExpression' && argument.callee.type === 'MemberExpression' && argument.callee.object.type === 'Identifier' &&
    argument.callee.object.name === 'Object' && argument.callee.property.type === 'Identifier' && argument.callee.property.name === 'fromEntries') {
    const inner = argument.arguments[0];
    if (inner?.type === 'Identifier') return inner.name;
    if (inner?.type === 'CallExpression' && inner.callee.type === 'MemberExpression' && inner.callee.object.type === 'Identifier') return inner.callee.object.name;
    return null;
  }
  if (argument.type === 'ObjectExpression' && argument.properties.length > 0) {
    const roots = new Set<string>();
    for (const property of argument.properties) {
      if (property.type !== 'ObjectProperty') return null;
      const value = property.value;
      if (value.type !== 'CallExpression' || value.callee.type !== 'MemberExpression' || value.callee.object.type !== 'Identifier') return null;
      roots.add(value.callee.object.name);
    }
    return roots.size === 1 ? [...roots][0]! : null;
  }
  return null;
}

/**
 * Proposes tags for one action from its body: `@requiresAuth` (or `@role <name>`) when a gate refuses every
 * anonymous caller before anything else runs, `@schema A, B` when each parameter is parsed by one schema
 * declared or imported at module scope (one per position, as the guard validates; an action with a parameter no
 * schema parses, typically useActionState's previous state, is left as needing a decision). Never `@public`.
 */
export function proposeTags(
  fn: FunctionNode,
  view: ModuleView,
  options: { needsAuth: boolean; needsSchema: boolean; authFunctions?: { guards?: readonly string[]; lookups?: readonly string[] } },
): Proposal[] {
  const proposals: Proposal[] = [];
  const names: AuthNames = {
    lookups: new Set([...BUILT_IN_AUTH_FUNCTIONS.lookups, ...(options.authFunctions?.lookups ?? [])]),
    guards: new Set([...BUILT_IN_AUTH_FUNCTIONS.guards, ...(options.authFunctions?.guards ?? [])]),
  };
  const body = fn.body.type === 'BlockStatement' ? fn.body.body : [];
  if (options.needsAuth) {
    const gate = readGate(body, view, names, 0, false);
    if (gate?.role) proposals.push({ tag: '@role', text: `@role ${gate.role}`, evidence: [...gate.evidence, gate.roleEvidence!] });
    else if (gate) proposals.push({ tag: '@requiresAuth', text: '@requiresAuth', evidence: gate.evidence });
  }
  // One schema per positional parameter (`@schema A, B`, AG113): proposed only when every parameter is a plain name
  // parsed in the body by exactly one module-scope schema; one position without its schema leaves the whole list to
  // a person.
  if (options.needsSchema && fn.params.length > 0 && fn.params.every((p) => p.type === 'Identifier')) {
    const parameters = fn.params.map((p) => (p as { name: string }).name);
    const found = new Map<string, Array<{ schema: string; line: number }>>(parameters.map((name) => [name, []]));
    walk(fn.body, (node) => {
      if (node.type === 'CallExpression' && node.callee.type === 'MemberExpression' && node.callee.object.type === 'Identifier' &&
        node.callee.property.type === 'Identifier' && /^(safeParse|parse|safeParseAsync|parseAsync)$/.test(node.callee.property.name) && node.arguments[0] &&
        view.bindings.has(node.callee.object.name)) {
        const parameter = parsedParameter(node.arguments[0]);
        if (parameter !== null) found.get(parameter)?.push({ schema: node.callee.object.name, line: node.loc!.start.line });
      }
    });
    const schemas = parameters.map((name) => new Set(found.get(name)!.map((f) => f.schema)));
    if (schemas.every((set) => set.size === 1)) {
      const names = schemas.map((set) => [...set][0]!);
      proposals.push({
        tag: '@schema',
        text: `@schema ${names.join(', ')}`,
        evidence: parameters.flatMap((name, i) => found.get(name)!.map((f) => `${view.file}:${f.line} ${names[i]} parses ${name}`)),
      });
    }
  }
  return proposals;
}
