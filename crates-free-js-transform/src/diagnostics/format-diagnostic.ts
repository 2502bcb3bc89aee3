import { codeFrameColumns } from '@babel/code-frame';
import type { Diagnostic } from '../types.js';
import { docsUrl, formatFinding, getDiagnosticDefinition, type CheckName } from '@action-guard/contracts';

/** What a check reports before severity, docs link and code frame are attached. */
export interface Finding {
  /** The check that found it. */
  name: CheckName;
  /** What is wrong. */
  message: string;
  /** How to fix it. */
  fix: string;
  /** Character offset into the source where the problem is. */
  offset: number;
}

/** Maps character offsets to 1-based lines and 0-based columns, once per file. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(source: string) {
    for (let index = source.indexOf('\n'); index !== -1; index = source.indexOf('\n', index + 1)) {
      this.starts.push(index + 1);
    }
  }

  /** 1-based line and 0-based column of an offset. */
  locate(offset: number): { line: number; column: number } {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - this.starts[low]! };
  }

  /**
   * The lines `codeFrameColumns` prints around `line` (1-based): two above, three below (its defaults), and the
   * number of the first, which it takes as `startLine`. The frame is the same as for the whole source, but
   * code-frame splits what it is given into lines on each call, so passing the whole source made a module's
   * diagnostics cost its length times their number (scripts/bench/eslint.mjs, the 1000-line module).
   */
  frameWindow(source: string, line: number): { text: string; startLine: number } {
    const first = Math.max(line - 3, 0);
    const end = this.starts[Math.min(line + 3, this.starts.length)] ?? source.length;
    return { text: source.slice(this.starts[first], end), startLine: first + 1 };
  }
}

/** `startLine` (where the frame's numbering starts) is in @babel/code-frame 7.27.1, the lowest this package accepts; its types lack it. */
type FrameOptions = NonNullable<Parameters<typeof codeFrameColumns>[2]> & { startLine: number };

/** Turns a finding into a printable diagnostic with the given severity. */
export function toDiagnostic(
  finding: Finding,
  severity: 'error' | 'warning',
  context: { source: string; file: string; lines: LineIndex },
): Diagnostic {
  const definition = getDiagnosticDefinition(finding.name);
  const { line, column } = context.lines.locate(finding.offset);
  return {
    code: definition.code,
    name: finding.name,
    severity,
    message: finding.message,
    fix: finding.fix,
    docs: docsUrl(finding.name),
    file: context.file,
    line,
    column: column + 1,
    frame: frameAt(context, line, column + 1),
  };
}

function frameAt(context: { source: string; lines: LineIndex }, line: number, column: number): string {
  const window = context.lines.frameWindow(context.source, line);
  const options: FrameOptions = { highlightCode: false, startLine: window.startLine };
  return codeFrameColumns(window.text, { start: { line, column } }, options);
}

/**
 * Prints a diagnostic the way every adapter shows it:
 * `app/actions.ts:12:3 error AG101 missing-auth-decision: …`, the code frame, the fix and the docs link (the one
 * printer of @action-guard/contracts, which prints the manifest's findings too).
 */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  return formatFinding(diagnostic);
}
