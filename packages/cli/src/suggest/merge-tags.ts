/**
 * Writes proposed tags into an action's JSDoc block, keeping its indentation, line endings and every other line;
 * adds a block above the action when it has none. `docComment` and `docAnchor` are what the transform's
 * checkModule() reports for the action (where its policy is read from, and where a new block would be read).
 */
export function mergeTags(code: string, site: { docComment: { start: number; end: number } | null; docAnchor: number }, tags: readonly string[]): string {
  if (tags.length === 0) return code;
  const eol = code.includes('\r\n') ? '\r\n' : '\n';
  if (site.docComment) {
    const { start, end } = site.docComment;
    const block = code.slice(start, end);
    const lineStart = code.lastIndexOf('\n', start) + 1;
    const indent = /^[ \t]*/.exec(code.slice(lineStart, start))![0];
    if (!block.includes('\n')) {
      // `/** Saves. */` → a block of three or more lines.
      const text = block.slice(3, -2).trim();
      const lines = [...(text ? [`${indent} * ${text}`] : []), ...tags.map((tag) => `${indent} * ${tag}`)];
      return code.slice(0, start) + `/**${eol}${lines.join(eol)}${eol}${indent} */` + code.slice(end);
    }
    // Before the line that closes the block (`   */`), as lines like the block's own.
    const closeLine = block.lastIndexOf('\n');
    const insertAt = start + closeLine + 1;
    const closing = code.slice(insertAt, end);
    const starIndent = /^[ \t]*/.exec(closing)![0];
    return code.slice(0, insertAt) + tags.map((tag) => `${starIndent}* ${tag}${eol}`).join('') + code.slice(insertAt);
  }
  const at = site.docAnchor;
  const lineStart = code.lastIndexOf('\n', at - 1) + 1;
  const indent = /^[ \t]*/.exec(code.slice(lineStart, at))![0];
  const onOwnLine = code.slice(lineStart, at).trim() === '';
  const block = tags.length === 1 ? `/** ${tags[0]} */` : `/**${eol}${tags.map((tag) => `${indent} * ${tag}`).join(eol)}${eol}${indent} */`;
  return onOwnLine ? code.slice(0, at) + block + eol + indent + code.slice(at) : code.slice(0, at) + block + ' ' + code.slice(at);
}
