import MagicString from 'magic-string';
import type { EncodedSourceMap } from '../types.js';
import type { Edit } from './plan-guards.js';

/** The indentation of each line; the first token of the line starts where it ends. */
const LINE_START = /^[ \t]*(?=\S)/gm;

/** Applies planned edits to the original text in one pass and maps the result back to it. */
export function emitGuards(
  code: string,
  edits: readonly Edit[],
  options: { filename: string; sourceMaps: boolean },
): { code: string; map: EncodedSourceMap | null } {
  const output = new MagicString(code);
  for (const edit of edits) {
    if (edit.kind === 'remove') output.remove(edit.start, edit.end);
    else if (edit.kind === 'overwrite') output.overwrite(edit.start, edit.end, edit.text);
    else if (edit.side === 'left') output.appendLeft(edit.at, edit.text);
    else output.prependRight(edit.at, edit.text);
  }
  const text = output.toString();
  if (!options.sourceMaps) return { code: text, map: null };
  // Segments at every edit and at the first token of every line, not at every word: lines never move, so this
  // maps each line and each statement start exactly, and costs a tenth of word-level maps (`hires: 'boundary'`
  // took longer than parsing on a 1000-line module, and the transform must stay within 2x of Next's SWC).
  for (const match of code.matchAll(LINE_START)) output.addSourcemapLocation(match.index + match[0].length);
  const map = output.generateMap({ source: options.filename, file: options.filename, includeContent: true, hires: false });
  return {
    code: text,
    map: {
      version: map.version,
      file: map.file ?? options.filename,
      sources: map.sources.map((source) => source ?? options.filename),
      sourcesContent: map.sourcesContent ?? [code],
      names: map.names,
      mappings: map.mappings,
    },
  };
}
