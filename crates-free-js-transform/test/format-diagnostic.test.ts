import { codeFrameColumns } from '@babel/code-frame';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { LineIndex } from '../src/diagnostics/format-diagnostic.js';

describe('LineIndex.frameSource', () => {
  test('gives the code frame of the whole source, at any line and column', () => {
    // Lines of printable text and tabs, joined by \n or \r\n (the transform counts lines on \n, as code-frame does here).
    const line = fc.stringMatching(/^[ -~\t]{0,12}$/);
    const source = fc
      .tuple(fc.array(line, { minLength: 1, maxLength: 30 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
      .map(([lines, eol, trailing]) => lines.join(eol) + (trailing ? eol : ''));
    fc.assert(
      fc.property(source, fc.nat(), fc.nat(), (text, lineSeed, offsetSeed) => {
        const index = new LineIndex(text);
        const lines = text.split('\n');
        const at = (lineSeed % lines.length) + 1;
        const column = (offsetSeed % (lines[at - 1]!.length + 1)) + 1;
        const location = { start: { line: at, column } };
        expect(codeFrameColumns(index.frameSource(text, at), location, { highlightCode: false })).toBe(
          codeFrameColumns(text, location, { highlightCode: false }),
        );
      }),
      { numRuns: 500, seed: 20261205 },
    );
  });

  test('hands code-frame the window only, so many diagnostics in a long module stay linear', () => {
    const text = Array.from({ length: 5000 }, (_, n) => `const line${n} = ${n};`).join('\n');
    const window = new LineIndex(text).frameSource(text, 2500);
    expect(window.replace(/^\n+/, '')).toBe(text.split('\n').slice(2497, 2503).join('\n') + '\n');
    expect(window.length).toBeLessThan(2500 + 6 * 30);
  });
});
