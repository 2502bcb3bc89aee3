/**
 * Line-preserving edits of a dotenv file: every other line, comment, blank line and the file's line ending stay
 * exactly as they were. Values follow @next/env (dotenv) syntax: `KEY=v`, `export KEY=v`, quotes, `# comments`.
 */

/** One assignment found in an env file. */
export interface EnvAssignment {
  /** 0-based line index. */
  index: number;
  value: string;
  exportPrefix: boolean;
  quote: '"' | "'" | '';
}

const assignmentPattern = (name: string) => new RegExp(`^\\s*(export\\s+)?${name.replace(/[$()*+.?[\\\]^{|}]/g, '\\$&')}\\s*=\\s*(.*)$`);

function splitLines(text: string): { lines: string[]; eol: string; trailingNewline: boolean } {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const trailingNewline = text.length === 0 || text.endsWith('\n');
  const body = trailingNewline && text.length ? text.slice(0, -eol.length) : text;
  return { lines: text.length ? body.split(eol) : [], eol, trailingNewline };
}

function parseValue(raw: string): { value: string; quote: EnvAssignment['quote'] } {
  const trimmed = raw.trim();
  const quote = trimmed[0];
  if ((quote === '"' || quote === "'") && trimmed.indexOf(quote, 1) > 0) {
    return { value: trimmed.slice(1, trimmed.indexOf(quote, 1)), quote };
  }
  // Unquoted: an inline comment starts at " #".
  return { value: trimmed.replace(/\s+#.*$/, ''), quote: '' };
}

/** Every assignment of `name` in the file, in order. */
export function findAssignments(text: string, name: string): EnvAssignment[] {
  const pattern = assignmentPattern(name);
  const found: EnvAssignment[] = [];
  splitLines(text).lines.forEach((line, index) => {
    const match = pattern.exec(line);
    if (match) found.push({ index, exportPrefix: Boolean(match[1]), ...parseValue(match[2] ?? '') });
  });
  return found;
}

function formatAssignment(name: string, value: string, like?: EnvAssignment): string {
  const quote = like?.quote ?? '';
  return `${like?.exportPrefix ? 'export ' : ''}${name}=${quote}${value}${quote}`;
}

/** Appends `lines` to the file text, keeping its line ending and ending with one. */
export function appendLines(text: string, lines: string[]): string {
  const { lines: existing, eol } = splitLines(text);
  return [...existing, ...lines].join(eol) + eol;
}

/**
 * Replaces the value of `name` at `at`, and writes the previous value as `<name>_PREVIOUS` with a dated comment
 * directly above it (replacing an older previous block, so only the last key is kept).
 */
export function replaceWithPrevious(
  text: string,
  name: string,
  at: EnvAssignment,
  newValue: string,
  previous: { value: string; comment: string },
): string {
  const { lines, eol } = splitLines(text);
  const previousName = `${name}_PREVIOUS`;
  const output: string[] = [];
  const oldPrevious = new Set(findAssignments(text, previousName).map((a) => a.index));
  lines.forEach((line, index) => {
    if (oldPrevious.has(index)) {
      // Drop the older previous key and the comment action-guard wrote above it.
      if (output.length && output[output.length - 1]!.startsWith('# action-guard: previous')) output.pop();
      return;
    }
    if (index === at.index) {
      output.push(`# action-guard: previous ${previous.comment}`);
      output.push(formatAssignment(previousName, previous.value, at));
      output.push(formatAssignment(name, newValue, at));
      return;
    }
    output.push(line);
  });
  return output.join(eol) + eol;
}

/** Sets the value of the assignment at `at` in place, keeping its `export` prefix and quoting. */
export function replaceValue(text: string, name: string, at: EnvAssignment, value: string): string {
  const { lines, eol } = splitLines(text);
  lines[at.index] = formatAssignment(name, value, at);
  return lines.join(eol) + eol;
}

/** A new assignment line for `name`. */
export function assignmentLine(name: string, value: string): string {
  return formatAssignment(name, value);
}
