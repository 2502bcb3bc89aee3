/** One `@tag args` line of a JSDoc block. */
export interface JsDocTag {
  /** Tag name without `@`, as written (case kept). */
  name: string;
  /** The rest of the tag's line, trimmed. */
  args: string;
  /** Text of the lines that follow the tag up to the next tag, trimmed and joined with spaces. */
  continuation: string;
  /** Offset of the `@` in the file. */
  offset: number;
  /** Offset of the first argument character in the file (the end of the name when there are no arguments). */
  argsOffset: number;
}

/** A block comment as the parser reports it. */
export interface BlockComment {
  /** Text between `/*` and `*\/`. */
  value: string;
  /** Offset of `/*` in the file. */
  start: number;
}

const TAG_LINE = /^(\s*\*?\s*)@([A-Za-z][\w-]*)([^\S\n]*)(.*)$/;

/**
 * Reads the tags of a JSDoc block. Only a tag at the start of a line counts (as in JSDoc), so `user@example.com`
 * and inline `{@link X}` are text; lines inside ``` fences are example code and never tags.
 */
export function parsePolicyTags(comment: BlockComment): JsDocTag[] {
  const tags: JsDocTag[] = [];
  // value starts right after "/*"; its first character is the second "*" of "/**".
  let lineOffset = comment.start + 2;
  let inFence = false;
  for (const line of comment.value.split('\n')) {
    const text = line.replace(/^\s*\*?\s?/, '');
    if (/^\s*```/.test(text)) inFence = !inFence;
    const match = inFence ? null : TAG_LINE.exec(line);
    if (match !== null) {
      // Several tags may share a line (`/** @requiresAuth @rateLimit 10/1m */`): each ` @name` starts a new one.
      let offset = lineOffset + match[1]!.length;
      const pieces = line.slice(match[1]!.length).split(/(?<=\s)(?=@[A-Za-z])/);
      for (const piece of pieces) {
        const part = /^@([A-Za-z][\w-]*)([^\S\n]*)(.*)$/.exec(piece);
        if (part !== null) {
          const name = part[1]!;
          const argsOffset = offset + 1 + name.length + part[2]!.length;
          tags.push({ name, args: part[3]!.replace(/\s*\*?\s*$/, '').trim(), continuation: '', offset, argsOffset });
        }
        offset += piece.length;
      }
    } else if (tags.length > 0 && !inFence) {
      const extra = text.replace(/\*+\s*$/, '').trim();
      const last = tags[tags.length - 1]!;
      if (extra !== '') last.continuation = last.continuation === '' ? extra : `${last.continuation} ${extra}`;
    }
    lineOffset += line.length + 1;
  }
  return tags;
}
