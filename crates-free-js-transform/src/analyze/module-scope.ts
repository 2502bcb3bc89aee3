import type { LVal, Node, Program } from '@babel/types';

/** Adds every name a binding pattern declares. */
export function collectPatternNames(pattern: LVal | Node, into: Set<string>): void {
  switch (pattern.type) {
    case 'Identifier':
      into.add(pattern.name);
      break;
    case 'ObjectPattern':
      for (const property of pattern.properties) {
        collectPatternNames(property.type === 'RestElement' ? property : (property.value as LVal), into);
      }
      break;
    case 'ArrayPattern':
      for (const element of pattern.elements) if (element !== null) collectPatternNames(element, into);
      break;
    case 'RestElement':
      collectPatternNames(pattern.argument, into);
      break;
    case 'AssignmentPattern':
      collectPatternNames(pattern.left, into);
      break;
    default:
      break;
  }
}

/**
 * Value bindings at module scope: what a metadata thunk (`schema: () => X`) may reference. Type-only imports and
 * type declarations are left out because SWC erases them.
 */
export function collectModuleBindings(program: Program): Set<string> {
  const names = new Set<string>();
  for (const statement of program.body) {
    const declaration =
      statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration'
        ? statement.declaration
        : statement;
    if (declaration === null || declaration === undefined) continue;
    switch (declaration.type) {
      case 'ImportDeclaration':
        if (declaration.importKind === 'type' || declaration.importKind === 'typeof') break;
        for (const specifier of declaration.specifiers) {
          if (specifier.type === 'ImportSpecifier' && (specifier.importKind === 'type' || specifier.importKind === 'typeof')) continue;
          names.add(specifier.local.name);
        }
        break;
      case 'FunctionDeclaration':
      case 'ClassDeclaration':
        if (declaration.id) names.add(declaration.id.name);
        break;
      case 'VariableDeclaration':
        for (const declarator of declaration.declarations) collectPatternNames(declarator.id, names);
        break;
      case 'TSEnumDeclaration':
        if (!declaration.declare && !declaration.const) names.add(declaration.id.name);
        break;
      case 'TSModuleDeclaration':
        if (!declaration.declare && declaration.id.type === 'Identifier') names.add(declaration.id.name);
        break;
      case 'TSImportEqualsDeclaration':
        if (declaration.importKind !== 'type') names.add(declaration.id.name);
        break;
      default:
        break;
    }
  }
  return names;
}

/** Node types that start a new function scope (parameters, `var`, their own name for expressions). */
const FUNCTION_TYPES = new Set([
  'FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'ObjectMethod', 'ClassMethod', 'ClassPrivateMethod',
]);
const NOT_CHILDREN = new Set(['type', 'start', 'end', 'loc', 'range', 'extra', 'leadingComments', 'trailingComments', 'innerComments']);

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';

/** Calls `visit` on each child node, in key order. No arrays are made: it runs on every node of the module. */
function forEachChild(node: Node, visit: (child: Node) => void): void {
  for (const key in node) {
    if (NOT_CHILDREN.has(key)) continue;
    const value = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) visit(item);
    } else if (isNode(value)) {
      visit(value);
    }
  }
}

/** Names a function body declares with `var` (not crossing into nested functions). */
function collectVarNames(node: Node, into: Set<string>): void {
  if (node.type === 'VariableDeclaration' && node.kind === 'var') {
    for (const declarator of node.declarations) collectPatternNames(declarator.id, into);
  }
  forEachChild(node, (child) => {
    if (!FUNCTION_TYPES.has(child.type)) collectVarNames(child, into);
  });
}

/** Names a block's own statements declare lexically (`let`, `const`, `using`, classes, and functions in strict code). */
function collectLexicalNames(statements: readonly Node[], into: Set<string>): void {
  for (const statement of statements) {
    if (statement.type === 'VariableDeclaration' && statement.kind !== 'var') {
      for (const declarator of statement.declarations) collectPatternNames(declarator.id, into);
    } else if ((statement.type === 'ClassDeclaration' || statement.type === 'FunctionDeclaration') && statement.id) {
      into.add(statement.id.name);
    }
  }
}

/** The identifiers an assignment target writes (`x`, `[x]`, `{ x }`, `{ a: x = 1 }`, `...x`, `(x as T)`). */
function assignedIdentifiers(target: Node, into: Node[]): void {
  switch (target.type) {
    case 'Identifier':
      into.push(target);
      break;
    case 'ObjectPattern':
      for (const property of target.properties) assignedIdentifiers(property.type === 'RestElement' ? property : property.value, into);
      break;
    case 'ArrayPattern':
      for (const element of target.elements) if (element !== null) assignedIdentifiers(element, into);
      break;
    case 'RestElement':
      assignedIdentifiers(target.argument, into);
      break;
    case 'AssignmentPattern':
      assignedIdentifiers(target.left, into);
      break;
    case 'TSAsExpression':
    case 'TSSatisfiesExpression':
    case 'TSNonNullExpression':
    case 'TSTypeAssertion':
    case 'ParenthesizedExpression':
      assignedIdentifiers(target.expression, into);
      break;
    default:
      break;
  }
}

/** A write to a module-scope binding after (or besides) its declaration. */
export interface BindingWrite {
  /** The binding's name. */
  name: string;
  /** The node that writes it (the target identifier, the redeclaration, or a direct `eval` call). */
  node: Node;
  /** How it writes: an assignment, `++`/`--`, a `for … in/of` head, a second declaration, or a direct `eval`. */
  how: 'assignment' | 'update' | 'loop' | 'redeclaration' | 'eval';
}

/**
 * Every write to the module-scope bindings `names` anywhere in the module, resolved by scope (a parameter, `var`,
 * `let`, class or catch binding of the same name in an inner scope is another variable): assignments of any kind
 * and destructuring, `++`/`--`, `for (x of …)` heads, a second declaration (`var a` again, in any non-function
 * block), and direct `eval(…)`, which may assign any of them. The first declaration of each name is not a write.
 */
export function findBindingWrites(program: Program, names: ReadonlySet<string>): BindingWrite[] {
  const writes: BindingWrite[] = [];
  if (names.size === 0) return writes;
  const topLevel = new Set<Node>();
  for (const statement of program.body) {
    topLevel.add(statement);
    if ((statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration') && statement.declaration) {
      topLevel.add(statement.declaration);
    }
  }
  const declarations = new Map<string, number>();
  const declare = (name: string, node: Node): void => {
    const count = (declarations.get(name) ?? 0) + 1;
    declarations.set(name, count);
    if (count > 1) writes.push({ name, node, how: 'redeclaration' });
  };
  const narrow = (shadow: ReadonlySet<string>, declared: Set<string>): ReadonlySet<string> => {
    let next: Set<string> | null = null;
    for (const name of declared) {
      if (!names.has(name) || shadow.has(name)) continue;
      next ??= new Set(shadow);
      next.add(name);
    }
    return next ?? shadow;
  };
  const record = (target: Node, how: BindingWrite['how'], shadow: ReadonlySet<string>): void => {
    const targets: Node[] = [];
    assignedIdentifiers(target, targets);
    for (const identifier of targets) {
      const name = (identifier as { name: string }).name;
      if (names.has(name) && !shadow.has(name)) writes.push({ name, node: identifier, how });
    }
  };

  const visit = (node: Node, shadow: ReadonlySet<string>, atModuleLevel: boolean): void => {
    let inner = shadow;
    let moduleLevel = atModuleLevel;
    if (FUNCTION_TYPES.has(node.type)) {
      const fn = node as Node & { params: Node[]; body: Node; id?: { name: string } | null };
      const declared = new Set<string>();
      for (const param of fn.params) collectPatternNames(param.type === 'TSParameterProperty' ? param.parameter : param, declared);
      if (node.type !== 'FunctionDeclaration' && fn.id) declared.add(fn.id.name);
      collectVarNames(fn.body, declared);
      inner = narrow(shadow, declared);
      moduleLevel = false;
    } else if (node.type === 'BlockStatement' || node.type === 'StaticBlock') {
      const declared = new Set<string>();
      collectLexicalNames(node.body, declared);
      inner = narrow(shadow, declared);
    } else if (node.type === 'SwitchStatement') {
      const declared = new Set<string>();
      for (const branch of node.cases) collectLexicalNames(branch.consequent, declared);
      inner = narrow(shadow, declared);
    } else if (node.type === 'ForStatement' || node.type === 'ForInStatement' || node.type === 'ForOfStatement') {
      const head = node.type === 'ForStatement' ? node.init : node.left;
      const declared = new Set<string>();
      if (head?.type === 'VariableDeclaration' && head.kind !== 'var') collectLexicalNames([head], declared);
      inner = narrow(shadow, declared);
      if (node.type !== 'ForStatement' && node.left.type !== 'VariableDeclaration') record(node.left, 'loop', inner);
    } else if (node.type === 'CatchClause') {
      const declared = new Set<string>();
      if (node.param) collectPatternNames(node.param, declared);
      inner = narrow(shadow, declared);
    } else if (node.type === 'ClassExpression' && node.id) {
      inner = narrow(shadow, new Set([node.id.name]));
    } else if (node.type === 'AssignmentExpression') {
      record(node.left, 'assignment', shadow);
    } else if (node.type === 'UpdateExpression') {
      record(node.argument, 'update', shadow);
    } else if (node.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name === 'eval' && !shadow.has('eval')) {
      for (const name of names) writes.push({ name, node, how: 'eval' });
    } else if (moduleLevel && node.type === 'VariableDeclaration' && (node.kind === 'var' || topLevel.has(node))) {
      // A declaration in the module scope: every `var` outside functions, and `let`/`const` at the top level.
      for (const declarator of node.declarations) {
        const declared = new Set<string>();
        collectPatternNames(declarator.id, declared);
        for (const name of declared) if (names.has(name) && !shadow.has(name)) declare(name, declarator);
      }
    }
    if (node.type === 'FunctionDeclaration' && node.id && topLevel.has(node) && names.has(node.id.name)) declare(node.id.name, node);
    forEachChild(node, (child) => visit(child, inner, moduleLevel));
  };
  visit(program, EMPTY, true);
  return writes;
}

const EMPTY: ReadonlySet<string> = new Set();
