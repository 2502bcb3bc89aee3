import { codeFrameColumns } from '@babel/code-frame';
import type { Diagnostic } from '../types.js';
import { DOCS_BASE, getDiagnosticDefinition, type CheckName } from './registry.js';

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
    docs: `${DOCS_BASE}#${finding.name}`,
    file: context.file,
    line,
    column: column + 1,
    frame: codeFrameColumns(context.source, { start: { line, column: column + 1 } }, { highlightCode: false }),
  };
}

/**
 * Prints a diagnostic the way every adapter shows it:
 * `app/actions.ts:12:3 error AG101 missing-auth-decision: …`, the code frame, the fix and the docs link.
 */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  return [
    `${diagnostic.file}:${diagnostic.line}:${diagnostic.column} ${diagnostic.severity} ${diagnostic.code} ${diagnostic.name}: ${diagnostic.message}`,
    diagnostic.frame,
    `fix: ${diagnostic.fix}`,
    `docs: ${diagnostic.docs}`,
  ].join('\n');
}
