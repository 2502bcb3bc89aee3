import type { CommandContext } from './context.js';

/** Output formats (docs/reference.md §6): tables for people, JSON for scripts, SARIF for code scanning, Markdown for PR comments. */
export type Format = 'table' | 'json' | 'sarif' | 'markdown';

/** Parsed command line handed to a command: option values by name, then positionals. */
export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** What a command module provides: a function returning data, its exit code, and renderers. Only the entry prints. */
export interface CommandModule<T> {
  run(args: ParsedArgs, ctx: CommandContext): Promise<T>;
  /** 0 fine, 1 a finding or failed verification (usage and config errors are thrown as CliError with 2). */
  exitCode(result: T): 0 | 1;
  render: { table(result: T): string } & Partial<Record<Exclude<Format, 'table'>, (result: T) => string>>;
}
