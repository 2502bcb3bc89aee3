import type { Expression, Node } from '@babel/types';
import type { ActionRecord } from '../types.js';
import { parseModule } from './parse-module.js';

const META_NAME = /^\$\$ag\d*_meta_\d+$/;

/** Evaluates a literal-only expression (the metadata is written with JSON literals); thunks are skipped. */
function evaluateLiteral(node: Node): unknown {
  switch (node.type) {
    case 'StringLiteral':
    case 'NumericLiteral':
    case 'BooleanLiteral':
      return node.value;
    case 'NullLiteral':
      return null;
    case 'UnaryExpression':
      return node.operator === '-' ? -(evaluateLiteral(node.argument) as number) : undefined;
    case 'ArrayExpression':
      return node.elements.map((element) => (element === null ? null : evaluateLiteral(element)));
    case 'ObjectExpression': {
      const object: Record<string, unknown> = {};
      for (const property of node.properties) {
        if (property.type !== 'ObjectProperty' || property.computed) continue;
        const key = property.key.type === 'Identifier' ? property.key.name : property.key.type === 'StringLiteral' ? property.key.value : null;
        if (key === null || property.value.type === 'ArrowFunctionExpression') continue;
        object[key] = evaluateLiteral(property.value as Expression);
      }
      return object;
    }
    default:
      return undefined;
  }
}

/**
 * Reads the action records back from the metadata constants of a module this transform already guarded, so a
 * second run reports the same actions while leaving the text alone.
 */
export function recoverActions(code: string, filename: string): ActionRecord[] {
  let program;
  try {
    program = parseModule(code, filename).program;
  } catch {
    return [];
  }
  const records: ActionRecord[] = [];
  for (const statement of program.body) {
    if (statement.type !== 'VariableDeclaration') continue;
    for (const declarator of statement.declarations) {
      if (declarator.id.type !== 'Identifier' || !META_NAME.test(declarator.id.name) || declarator.init?.type !== 'ObjectExpression') continue;
      const meta = evaluateLiteral(declarator.init) as Record<string, unknown>;
      records.push({
        ref: meta.ref as string,
        file: meta.file as string,
        exportName: meta.exportName as string | null,
        kind: meta.kind as ActionRecord['kind'],
        inlineIndex: meta.inlineIndex as number | null,
        loc: { line: meta.line as number, column: meta.column as number },
        policy: meta.policy as ActionRecord['policy'],
        guarded: true,
      });
    }
  }
  return records;
}
