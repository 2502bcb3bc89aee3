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
