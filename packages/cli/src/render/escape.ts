/**
 * Neutralises text that came from files the CLI does not trust (a manifest from the last deploy, an envelope, source
 * code) before it reaches a terminal, a CI log or a pull-request comment. The entry (cli.ts) applies it to every
 * command's result and output, so no command can forget it.
 *
 * Unsafe: C0 controls (U+0000–U+001F, ESC among them), DEL, C1 controls (U+0080–U+009F, among them U+009B, a
 * one-character CSI for terminals that read 8-bit controls), the bidi embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069: "Trojan Source", CVE-2021-42574), the bidi marks (U+200E, U+200F, U+061C) and the
 * line and paragraph separators (U+2028, U+2029), which some viewers break lines at.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_KEEPING_NEWLINES = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The unsafe characters that JSON.stringify leaves as they are (it escapes every C0 control itself). */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** The visible spelling of one unsafe character: `\n`, `\x1b`, `\x9b`, `\u202e`. */
function visible(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Replaces every unsafe character with its visible escape; with `keepNewlines`, `\n` stays a line break. */
export function escapeControl(text: string, options: { keepNewlines?: boolean } = {}): string {
  return text.replace(options.keepNewlines ? UNSAFE_KEEPING_NEWLINES : UNSAFE, visible);
}

/**
 * Escapes the unsafe characters JSON.stringify leaves raw (C1, DEL, bidi, separators) as `\uXXXX` in JSON text. They
 * can only occur inside strings, so the text stays valid JSON and parses to the same values.
 */
export function escapeJsonText(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Fields whose text is several lines by design (a diagnostic's code frame): their line breaks are kept. */
const MULTILINE_FIELDS = new Set(['frame']);

/**
 * A copy of a command's result for people (table, Markdown, SARIF messages): every string escaped, line breaks
 * included, so a field from a file can neither move the cursor nor start a line that looks like the tool's own.
 */
export function displaySafe<T>(value: T, key?: string): T {
  if (typeof value === 'string') return escapeControl(value, { keepNewlines: key !== undefined && MULTILINE_FIELDS.has(key) }) as T;
  if (Array.isArray(value)) return value.map((item) => displaySafe(item)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, displaySafe(v, k)])) as T;
  }
  return value;
}
