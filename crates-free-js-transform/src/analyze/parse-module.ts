import { parse, type ParserPlugin } from '@babel/parser';
import type { File } from '@babel/types';

/**
 * Parses TS, TSX, JS and JSX as the loader sees them (before SWC strips types, docs/next-internals.md §1).
 * `.ts`/`.mts`/`.cts` parse without JSX so `<T>x` casts work; JavaScript gets JSX. The 2023 decorators proposal
 * is tried first and TypeScript's `experimentalDecorators` (parameter decorators) second.
 */
export function parseModule(code: string, filename: string): File {
  const extension = /\.[cm]?[jt]sx?$/i.exec(filename)?.[0].toLowerCase() ?? '.tsx';
  const isTypeScript = extension.includes('t');
  const hasJsx = !isTypeScript || extension.endsWith('x');
  // Next's SWC accepts import attributes in both spellings (`with { type: 'json' }` and the older `assert { … }`).
  const base: ParserPlugin[] = ['explicitResourceManagement', ['importAttributes', { deprecatedAssertSyntax: true }], 'decoratorAutoAccessors'];
  if (isTypeScript) base.push('typescript');
  if (hasJsx) base.push('jsx');
  const attempt = (decorators: ParserPlugin): File =>
    parse(code, {
      sourceType: 'module',
      allowAwaitOutsideFunction: true,
      allowUndeclaredExports: true,
      plugins: [...base, decorators],
    });
  try {
    return attempt('decorators');
  } catch (error) {
    try {
      return attempt('decorators-legacy');
    } catch {
      throw error;
    }
  }
}
