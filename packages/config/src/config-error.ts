import { docsUrl, type ConfigErrorCode } from '@action-guard/contracts';

/** Stable codes of configuration errors (the AG2xx entries of the registry in @action-guard/contracts). */
export type { ConfigErrorCode };

/**
 * Every problem found in one configuration, reported at once. Thrown by `loadConfig()` and `resolveConfig()`;
 * the message names the file (or "inline options") so the user knows where to look.
 */
export class ConfigError extends Error {
  /** The code of the first problem (all problems of one error share the category in practice). */
  readonly code: ConfigErrorCode;
  /** Where the bad configuration came from: a file path or `withActionGuard() options`. */
  readonly source: string;
  /** One line per problem, each starting with the key path, e.g. `rules["app/admin/**"].role: …`. */
  readonly issues: readonly string[];

  constructor(code: ConfigErrorCode, source: string, issues: readonly string[]) {
    const list = issues.map((issue) => `  - ${issue}`).join('\n');
    super(`${code} invalid action-guard configuration in ${source}:\n${list}\ndocs: ${docsUrl(code)}`);
    this.name = 'ConfigError';
    this.code = code;
    this.source = source;
    this.issues = issues;
  }
}
