import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The Next.js lines this plugin supports; anything else fails with a message naming them. */
export const SUPPORTED_NEXT = 'next 16.x (webpack and Turbopack) or next 15.5.x (webpack and Turbopack)';

/** Which shape of `turbopack.rules` the installed Next understands (docs/next-internals.md §5). */
export type TurbopackRulesSyntax = 'conditions-in-rules' | 'named-conditions';

/** Reads the version of the `next` package that `projectDir` resolves. */
export function detectNextVersion(projectDir: string): string {
  const require = createRequire(path.join(projectDir, 'package.json'));
  const manifest = require.resolve('next/package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/**
 * 16.x takes `condition` inside each rule; 15.5.x takes named `turbopack.conditions` referenced by rule keys.
 * Older versions have neither in a form that runs our loader on every layer, so they are refused.
 */
export function turbopackRulesSyntaxFor(version: string): TurbopackRulesSyntax {
  const [major = NaN, minor = NaN] = version.split('.').map((part) => Number.parseInt(part, 10));
  if (major >= 16) return 'conditions-in-rules';
  if (major === 15 && minor >= 5) return 'named-conditions';
  throw new Error(
    `@action-guard/next does not support next@${version}. Supported: ${SUPPORTED_NEXT}. Upgrade Next.js, or remove withActionGuard() from next.config.`,
  );
}
