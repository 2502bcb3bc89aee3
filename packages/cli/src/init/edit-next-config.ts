import { parse } from '@babel/parser';
import type { Expression, File, Node, Statement } from '@babel/types';

/** The file names `init` looks for, in Next's own lookup order (next/dist/shared/lib/constants.js CONFIG_FILES). */
export const NEXT_CONFIG_FILES = ['next.config.js', 'next.config.mjs', 'next.config.ts', 'next.config.cjs', 'next.config.mts'] as const;

/** The two lines a person adds when `init` cannot edit the config safely. */
export function manualLines(file: string, text = ''): [string, string] {
  const commonJs = file.endsWith('.cjs') || (file.endsWith('.js') && /\bmodule\.exports\b|\brequire\(/.test(text) && !/^\s*(?:import|export)\s/m.test(text));
  return commonJs
    ? ["const { withActionGuard } = require('@action-guard/next');", 'module.exports = withActionGuard()(/* the config you export now */);']
    : ["import { withActionGuard } from '@action-guard/next';", 'export default withActionGuard()(/* the config you export now */);'];
}

/** What {@link editNextConfig} decided. */
export type NextConfigEdit =
  | { kind: 'edit'; text: string; wrapped: string }
  | { kind: 'already-wrapped' }
  | { kind: 'manual'; reason: string; lines: [string, string] };

const WRAPPER = 'withActionGuard';

function parseConfig(text: string, file: string): File {
  const typescript = /\.[cm]?ts$/.test(file);
  return parse(text, {
    sourceType: 'unambiguous',
    allowReturnOutsideFunction: false,
    errorRecovery: false,
    plugins: typescript ? ['typescript'] : [],
  });
}

function mentionsWrapper(node: Node, text: string): boolean {
  return new RegExp(`\\b${WRAPPER}\\b`).test(text.slice(node.start!, node.end!));
}

function isModuleExports(node: Node): boolean {
  return (
    node.type === 'MemberExpression' &&
    !node.computed &&
    node.object.type === 'Identifier' &&
    node.object.name === 'module' &&
    node.property.type === 'Identifier' &&
    node.property.name === 'exports'
  );
}

/** Every `module.exports = …` assignment at the top level of the program. */
function moduleExportsAssignments(body: Statement[]): Array<{ right: Expression }> {
  const found: Array<{ right: Expression }> = [];
  for (const statement of body) {
    if (statement.type !== 'ExpressionStatement') continue;
    const expression = statement.expression;
    if (expression.type === 'AssignmentExpression' && expression.operator === '=' && isModuleExports(expression.left)) {
      found.push({ right: expression.right });
    }
  }
  return found;
}

/** `require('x')`, `require('x')(options)`, `require('x').default`: a line that loads a module. */
function startsWithRequire(node: Node): boolean {
  if (node.type === 'CallExpression') {
    if (node.callee.type === 'Identifier' && node.callee.name === 'require') return true;
    return startsWithRequire(node.callee);
  }
  return node.type === 'MemberExpression' && startsWithRequire(node.object);
}

/** Where a new import (or require) line goes: after the last top-level import/require at the top, else the first line after the leading comments and directives. */
function importInsertionPoint(ast: File, text: string): number {
  const body = ast.program.body;
  let after: Node | null = ast.program.directives.at(-1) ?? null;
  for (const statement of body) {
    const isImport = statement.type === 'ImportDeclaration';
    const isRequire = statement.type === 'VariableDeclaration' && statement.declarations.every((d) => d.init != null && startsWithRequire(d.init));
    if (isImport || isRequire) after = statement;
    else break;
  }
  if (after) {
    const newline = text.indexOf('\n', after.end!);
    return newline === -1 ? text.length : newline + 1;
  }
  // Keep a leading comment block (licence, `// @ts-check`, JSDoc type annotation) above the import.
  const first = body[0];
  const leading = first?.leadingComments ?? [];
  const jsDocType = leading.findLast((c) => c.type === 'CommentBlock' && c.value.startsWith('*') && /@type\b/.test(c.value));
  const keep = leading.filter((c) => c !== jsDocType && (!jsDocType || c.end! <= jsDocType.start!)).at(-1);
  if (!keep) return 0;
  const newline = text.indexOf('\n', keep.end!);
  return newline === -1 ? text.length : newline + 1;
}

/**
 * Wraps the exported Next config with `withActionGuard()(…)` by editing the text at the export's syntax-tree offsets,
 * so every other byte of the file stays as it was: `export default <expression>` (an object, an identifier, a call of
 * other plugins such as `withSentryConfig(…)` or `createNextIntlPlugin()(…)`, a function or async function), an
 * anonymous or otherwise unreferenced `export default function`, and one `module.exports = …`. A config that already
 * calls `withActionGuard` is left alone. Anything else (no export found, several `module.exports`, an
 * `export { x as default }`, a file that does not parse) is `manual`: init then prints the two lines instead of guessing.
 */
export function editNextConfig(text: string, file: string): NextConfigEdit {
  const manual = (reason: string): NextConfigEdit => ({ kind: 'manual', reason, lines: manualLines(file, text) });
  let ast: File;
  try {
    ast = parseConfig(text, file);
  } catch (error) {
    return manual(`${file} does not parse (${(error as Error).message}), so it cannot be edited safely`);
  }
  const body = ast.program.body;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const exportDefault = body.find((s) => s.type === 'ExportDefaultDeclaration');
  const assignments = moduleExportsAssignments(body);
  const namedDefault = body.some(
    (s) => s.type === 'ExportNamedDeclaration' && s.specifiers.some((sp) => sp.type === 'ExportSpecifier' && (sp.exported.type === 'Identifier' ? sp.exported.name : sp.exported.value) === 'default'),
  );

  let target: { start: number; end: number; prefix: string; suffix: string };
  let commonJs = false;
  if (exportDefault && assignments.length === 0) {
    if (mentionsWrapper(exportDefault, text)) return { kind: 'already-wrapped' };
    const declaration = exportDefault.declaration;
    if (declaration.type === 'FunctionDeclaration') {
      // `export default function config(phase) {}` becomes a function expression inside the call; that only keeps
      // the module's meaning when nothing else names the function.
      const name = declaration.id?.name;
      if (name && (text.match(new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`, 'g'))?.length ?? 0) > 1) {
        return manual(`the default-exported function ${name} is also referred to by name elsewhere in ${file}`);
      }
      // A declaration needs no `;`; the call expression that replaces it does (the next line may start with `(`).
      target = { start: declaration.start!, end: declaration.end!, prefix: `${WRAPPER}()(`, suffix: ');' };
    } else if (declaration.type === 'ClassDeclaration' || declaration.type === 'TSDeclareFunction') {
      return manual(`the default export of ${file} is a ${declaration.type}, not a Next config`);
    } else {
      target = { start: declaration.start!, end: declaration.end!, prefix: `${WRAPPER}()(`, suffix: ')' };
    }
  } else if (!exportDefault && assignments.length === 1 && !namedDefault) {
    const { right } = assignments[0]!;
    if (mentionsWrapper(right, text)) return { kind: 'already-wrapped' };
    commonJs = true;
    target = { start: right.start!, end: right.end!, prefix: `${WRAPPER}()(`, suffix: ')' };
  } else if (exportDefault && assignments.length > 0) {
    return manual(`${file} has both \`export default\` and \`module.exports =\``);
  } else if (assignments.length > 1) {
    return manual(`${file} assigns module.exports ${assignments.length} times`);
  } else if (namedDefault) {
    return manual(`${file} exports its config with \`export { … as default }\``);
  } else {
    return manual(`${file} has no \`export default\` and no top-level \`module.exports =\``);
  }
  // `module.exports = x` in an ES module (or `export default` in CommonJS) is not possible, so the syntax of the
  // file decides how the wrapper is imported.
  const esm = !commonJs && (ast.program.sourceType === 'module' || /\.m?ts$/.test(file) || file.endsWith('.mjs'));
  const importLine = esm ? `import { ${WRAPPER} } from '@action-guard/next';` : `const { ${WRAPPER} } = require('@action-guard/next');`;
  const at = importInsertionPoint(ast, text);
  const needsBreak = at === text.length && text.length > 0 && !text.endsWith('\n');
  const inserted = `${needsBreak ? eol : ''}${importLine}${eol}`;
  const wrapped = text.slice(target.start, target.end);
  // Edits from the end, so earlier offsets stay valid.
  let output = text.slice(0, target.start) + target.prefix + wrapped + target.suffix + text.slice(target.end);
  output = output.slice(0, at) + inserted + output.slice(at);
  return { kind: 'edit', text: output, wrapped };
}
