import path from 'node:path';
import type { ResolvedConfig } from '@action-guard/config';
import { recordsDirFor as recordsDirOfDist } from '@action-guard/manifest';

/**
 * Options handed to the loader by webpack and Turbopack. Plain JSON only: Turbopack serialises loader options
 * into its worker processes and rejects anything else ("does not have serializable options").
 */
export interface LoaderOptions {
  /** The resolved configuration (it holds no functions, so it survives a JSON round-trip unchanged). */
  config: ResolvedConfig;
  /** Absolute directory that receives one record file per transformed module (docs/architecture.md §3). */
  recordsDir: string;
}

/**
 * Where the loader writes records for a build whose output goes to `distDir` (relative to the project); the
 * manifest package's `readFreshRecords` reads the same directory (one definition: `recordsDirFor` there).
 */
export function recordsDirFor(projectDir: string, distDir: string): string {
  return recordsDirOfDist(path.resolve(projectDir, distDir));
}
