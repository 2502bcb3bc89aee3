import MagicString from 'magic-string';
import type { EncodedSourceMap } from '../types.js';
import type { Edit } from './plan-guards.js';

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
  const map = output.generateMap({ source: options.filename, file: options.filename, includeContent: true, hires: 'boundary' });
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
