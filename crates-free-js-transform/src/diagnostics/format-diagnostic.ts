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
   * The text `codeFrameColumns` needs to print its frame at `line` (1-based): the lines of the frame's window (two
   * above, three below, its defaults) with every line before it left empty. The frame is the same as for the whole
   * source, but code-frame splits what it is given into lines on each call, so the whole source made a module's
   * diagnostics cost its length times their number (a 1000-line module with 71 findings spent most of its analysis
   * there; scripts/bench/eslint.mjs).
   */
  frameSource(source: string, line: number): string {
    const first = Math.max(line - 3, 0);
    const end = this.starts[Math.min(line + 3, this.starts.length)] ?? source.length;
    return '\n'.repeat(first) + source.slice(this.starts[first], end);
  }
}

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
    frame: codeFrameColumns(context.lines.frameSource(context.source, line), { start: { line, column: column + 1 } }, { highlightCode: false }),
  };
}

/**
 * Prints a diagnostic the way every adapter shows it:
 * `app/actions.ts:12:3 error AG101 missing-auth-decision: …`, the code frame, the fix and the docs link (the one
 * printer of @action-guard/contracts, which prints the manifest's findings too).
 */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  return formatFinding(diagnostic);
}
