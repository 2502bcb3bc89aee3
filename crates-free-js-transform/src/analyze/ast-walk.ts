import type { Node } from '@babel/types';

const SKIPPED_KEYS = new Set(['leadingComments', 'trailingComments', 'innerComments', 'loc', 'extra', 'range']);

/** The direct child nodes of a Babel node, in source order of their keys. */
export function childNodes(node: Node): Node[] {
  const children: Node[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (SKIPPED_KEYS.has(key) || value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (const item of value) if (item !== null && typeof item === 'object' && typeof (item as Node).type === 'string') children.push(item as Node);
    } else if (typeof (value as Node).type === 'string') children.push(value as Node);
  }
  return children;
}

/** Whether a node starts a new function (its body runs later, if at all, and has its own `this`/scope). */
export function isFunctionNode(node: Node): boolean {
  return (
    node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression' ||
    node.type === 'ObjectMethod' || node.type === 'ClassMethod' || node.type === 'ClassPrivateMethod'
  );
}
