import { codeFrameColumns } from '@babel/code-frame';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { LineIndex, toDiagnostic } from '../src/diagnostics/format-diagnostic.js';

describe('the code frame of a diagnostic', () => {
  test('is the code frame of the whole source, at any line and column', () => {
    // Lines of printable text and tabs, joined by \n or \r\n (the transform counts lines on \n, as code-frame does here).
    const line = fc.stringMatching(/^[ -~\t]{0,12}$/);
    const source = fc
      .tuple(fc.array(line, { minLength: 1, maxLength: 30 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
      .map(([lines, eol, trailing]) => lines.join(eol) + (trailing ? eol : ''));
    fc.assert(
      fc.property(source, fc.nat(), fc.nat(), (text, lineSeed, offsetSeed) => {
        const lines = text.split('\n');
        const at = (lineSeed % lines.length) + 1;
        const column = offsetSeed % (lines[at - 1]!.length + 1);
        const offset = lines.slice(0, at - 1).reduce((sum, previous) => sum + previous.length + 1, 0) + column;
        const finding = { name: 'malformed-tag' as const, message: 'm', fix: 'f', offset };
        const diagnostic = toDiagnostic(finding, 'error', { source: text, file: 'a.ts', lines: new LineIndex(text) });
        expect([diagnostic.line, diagnostic.column]).toEqual([at, column + 1]);
        expect(diagnostic.frame).toBe(codeFrameColumns(text, { start: { line: at, column: column + 1 } }, { highlightCode: false }));
      }),
      { numRuns: 500, seed: 20261205 },
    );
  });

  test('hands code-frame the window only, so many diagnostics in a long module stay linear', () => {
    const text = Array.from({ length: 5000 }, (_, n) => `const line${n} = ${n};`).join('\n');
    const window = new LineIndex(text).frameWindow(text, 2500);
    expect(window.startLine).toBe(2498);
    expect(window.text).toBe(text.split('\n').slice(2497, 2503).join('\n') + '\n');
  });
});
