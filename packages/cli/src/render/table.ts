/** A column of a text table: its header and how to read a cell from a row. */
export interface Column<T> {
  header: string;
  cell: (row: T) => string;
}

/**
 * Renders rows as an aligned plain-text table (no colours, so it reads the same in a terminal, a CI log and a
 * file). Cells longer than `maxWidth` are cut with an ellipsis.
 */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[], maxWidth = 48): string {
  const cells = rows.map((row) => columns.map((c) => truncate(c.cell(row).replace(/\s+/g, ' '), maxWidth)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function truncate(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/**
 * Escapes text for GitHub-flavoured Markdown inline content, a table cell included: backslashes, pipes (a cell
 * boundary even inside a code span), backticks, emphasis, link brackets, HTML and entities (`&#x202e;` would
 * otherwise render as the character the entry escaped), and line breaks (which end a table row).
 */
export function markdownCell(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/[\\|`*_[\]]/g, (c) => `\\${c}`)
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n|\r/g, '<br>');
}

/** Renders rows as a GitHub-flavoured Markdown table. */
export function renderMarkdownTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const head = `| ${columns.map((c) => markdownCell(c.header)).join(' | ')} |`;
  const rule = `| ${columns.map(() => '---').join(' | ')} |`;
  return [head, rule, ...rows.map((row) => `| ${columns.map((c) => markdownCell(c.cell(row))).join(' | ')} |`)].join('\n');
}
