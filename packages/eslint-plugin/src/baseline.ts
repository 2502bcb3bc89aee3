import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '@action-guard/transform';

/**
 * The baseline file of the adoption issue, at the project root: findings it lists are reported by the build as
 * warnings while an app adopts action-guard, and the plugin must agree (a baselined finding is a warning).
 */
export const BASELINE_FILE_NAME = 'action-guard.baseline.json';

/** Whether the baseline lists a finding; the plugin reports a listed finding as a warning. */
export type BaselineMatcher = (diagnostic: Diagnostic) => boolean;

/** The project has a baseline file this version cannot read: lint reports it instead of guessing. */
export class BaselineNotSupportedError extends Error {
  override name = 'BaselineNotSupportedError';
}

/**
 * EXTENSION POINT for the baseline file. Its format is being designed in the adoption issue and has not landed
 * in the build yet, so this version reads none: without the file it returns `null` (every finding keeps the
 * severity action-guard.config gives it, as in the build). With the file it throws, and every linted action
 * file reports that, because silently ignoring a baseline the build honours would make lint and build disagree.
 * When the format lands, parse it here with the build's own reader (never a copy) and return its matcher; the
 * rules already route matched findings to `action-guard/policy-warning`.
 */
export function readBaseline(root: string): BaselineMatcher | null {
  const file = path.join(root, BASELINE_FILE_NAME);
  if (!existsSync(file)) return null;
  throw new BaselineNotSupportedError(
    `${file}: this version of @action-guard/eslint-plugin cannot read the baseline file yet, so its findings are ` +
      'reported with the severity action-guard.config gives them; upgrade @action-guard/eslint-plugin to one that ' +
      'reads it',
  );
}
