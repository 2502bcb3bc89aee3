import type { Directive, Node, Statement } from '@babel/types';

/**
 * Directives as Next's compiler reads them. Next decides from the *cooked* value of a leading string statement
 * (`'use\x20server'`, `'\u0075se server'` and a line continuation inside the quotes all mean "use server"), and on
 * webpack it reads the module after SWC's TypeScript strip, so type-only items and elided imports ahead of the
 * directive do not end the prologue there (docs/architecture.md, "What it finds" in the transform README).
 * Babel keeps directive values raw, so everything that asks "is this `use server`?" goes through this file.
 */

/** One directive of an effective prologue: its cooked value and the statement that holds it. */
export interface EffectiveDirective {
  /** The cooked string value (`use server` for `'use\x20server'`). */
  value: string;
  /** The Directive or string ExpressionStatement node. */
  node: Node;
}

const SIMPLE_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', 0: '\0' };

/** The value of a JavaScript string literal's source text (quotes included), as the language defines it. */
export function cookStringLiteral(raw: string): string {
  const body = raw.slice(1, -1);
  let out = '';
  for (let index = 0; index < body.length; index++) {
    const char = body[index]!;
    if (char !== '\\') {
      out += char;
      continue;
    }
    const next = body[++index];
    if (next === undefined) break;
    if (next === '\r') {
      if (body[index + 1] === '\n') index++;
    } else if (next === '\n' || next === '\u2028' || next === '\u2029') {
      // A line continuation contributes nothing.
    } else if (next === 'x') {
      out += String.fromCharCode(Number.parseInt(body.slice(index + 1, index + 3), 16));
      index += 2;
    } else if (next === 'u') {
      if (body[index + 1] === '{') {
        const close = body.indexOf('}', index);
        out += String.fromCodePoint(Number.parseInt(body.slice(index + 2, close), 16));
        index = close;
      } else {
        out += String.fromCharCode(Number.parseInt(body.slice(index + 1, index + 5), 16));
        index += 4;
      }
    } else {
      out += SIMPLE_ESCAPES[next] ?? next;
    }
  }
  return out;
}

/** The cooked value of a Babel directive (Babel stores the raw text). */
export function directiveValue(directive: Directive): string {
  const raw = (directive.value.extra as { raw?: string } | undefined)?.raw;
  return raw === undefined ? directive.value.value : cookStringLiteral(raw);
}

/**
 * Statements SWC's TypeScript strip may remove before Next's server-actions pass runs: type-only items, and
 * imports with bindings (TypeScript elides an import whose bindings are used only as types, or not at all, and a
 * kept one puts the directive after an import, which Next rejects anyway). Side-effect imports always stay.
 */
function mayBeErased(statement: Statement): boolean {
  switch (statement.type) {
    case 'ImportDeclaration':
      return statement.specifiers.length > 0;
    case 'TSImportEqualsDeclaration':
    case 'TSTypeAliasDeclaration':
    case 'TSInterfaceDeclaration':
    case 'TSDeclareFunction':
      return true;
    case 'ExportNamedDeclaration':
      return statement.exportKind === 'type' || (statement.declaration != null && mayBeErased(statement.declaration));
    case 'ExportAllDeclaration':
      return statement.exportKind === 'type';
    case 'VariableDeclaration':
    case 'ClassDeclaration':
    case 'TSModuleDeclaration':
    case 'TSEnumDeclaration':
      return statement.declare === true;
    default:
      return false;
  }
}

/**
 * The directive prologue Next sees for a module or function body: Babel's directives, then any further string
 * statements that follow only statements SWC erases first (`import type { U } from './u'; 'use server'`), all with
 * cooked values. A parenthesised string is not a directive.
 */
export function effectivePrologue(directives: readonly Directive[], statements: readonly Statement[]): EffectiveDirective[] {
  const prologue: EffectiveDirective[] = directives.map((directive) => ({ value: directiveValue(directive), node: directive }));
  for (const statement of statements) {
    if (statement.type === 'ExpressionStatement' && statement.expression.type === 'StringLiteral') {
      if ((statement.expression.extra as { parenthesized?: boolean } | undefined)?.parenthesized) break;
      prologue.push({ value: statement.expression.value, node: statement });
      continue;
    }
    // Only TypeScript erasure can put a directive after a statement; without a directive after it, stop.
    if (!mayBeErased(statement)) break;
  }
  // Trailing erasable statements are not part of the prologue: drop nothing, since only strings were pushed.
  return prologue;
}

/** `"use server"`, compared cooked. */
export const isUseServer = (value: string): boolean => value === 'use server';
/** `"use cache"` and `"use cache: <kind>"`, compared cooked. */
export const isUseCache = (value: string): boolean => value === 'use cache' || value.startsWith('use cache:');

/**
 * A cheap pre-filter for text that may hold a server-reference directive in any spelling: `"use server"` (Server
 * Actions) or `"use cache"` / `"use cache: <kind>"` (cache functions, which Next registers as server references
 * too when `cacheComponents` is on). It matches the plain literals, or a quote followed by characters of those
 * directives and a backslash that can start an escape or line continuation within them (`\x`, `\u`, a line break,
 * or an identity escape of one of their letters). Files it rejects cannot be server modules, `"use cache"`
 * modules, or hold inline actions or cache functions; files it accepts are parsed and decided from the cooked
 * directives. No look-around or back-references, so Turbopack's Rust regex engine runs it as its `content`
 * condition too.
 */
export const SERVER_DIRECTIVE_PREFILTER = /['"](?:use (?:server['"]|cache['":])|[usevrcah ]*\\[xusecah\s])/;

/**
 * A string literal made only of what a spelling of "use server" or "use cache[: kind]" can contain (their letters,
 * word characters, `:`, `-`, escapes and line continuations); cooked and compared afterwards.
 */
const CANDIDATE = /(['"])(?:[\w :-]|\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|u\{[0-9a-fA-F]+\}|\r\n|[\s\S]))*\1/y;

/** Whether a cooked string is a server-reference directive: `use server`, `use cache` or `use cache: <kind>`. */
const isServerReferenceDirective = (value: string): boolean => isUseServer(value) || isUseCache(value);

/**
 * How many string literals in the text cook to `use server`, `use cache` or `use cache: <kind>` (prologue and
 * function bodies alike); 0 means the file holds no server module, `"use cache"` module, inline action or cache
 * function, so it need not be parsed. Comments and other strings may be counted too, which only makes the caller
 * look closer.
 */
export function countServerDirectiveCandidates(code: string): number {
  if (!SERVER_DIRECTIVE_PREFILTER.test(code)) return 0;
  let count = 0;
  for (let index = 0; index < code.length; index++) {
    const char = code[index];
    if (char !== '"' && char !== "'") continue;
    CANDIDATE.lastIndex = index;
    const match = CANDIDATE.exec(code);
    if (match === null) continue;
    // No skipping past a match: a closing quote may open the next literal.
    if (isServerReferenceDirective(cookStringLiteral(match[0]))) count++;
  }
  return count;
}
