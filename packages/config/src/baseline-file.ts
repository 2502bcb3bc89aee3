import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BASELINE_FILE_NAME, BaselineFormatError, parseBaseline, type BaselineEntry } from '@action-guard/transform/baseline';
import { ConfigError } from './config-error.js';

/** The project's baseline as the build and the CLI read it (the format: @action-guard/transform/baseline). */
export interface ResolvedBaseline {
  /** Absolute path of `action-guard.baseline.json`. */
  file: string;
  /** Its entries, in file order. */
  findings: BaselineEntry[];
}

/**
 * Reads `action-guard.baseline.json` at the project root: `null` without one; a file that is not a valid baseline
 * is an AG203 error naming the field (a baseline the build cannot read must never be ignored, or every finding it
 * lists would fail the build without saying why, and a typo could hide nothing it should).
 */
export function readBaselineFile(root: string): ResolvedBaseline | null {
  const file = path.join(root, BASELINE_FILE_NAME);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new ConfigError('AG203', file, [`cannot read it: ${(error as Error).message}`]);
  }
  try {
    return { file, findings: parseBaseline(text).findings };
  } catch (error) {
    if (error instanceof BaselineFormatError) throw new ConfigError('AG203', file, [error.message]);
    throw error;
  }
}
