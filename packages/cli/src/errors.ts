/**
 * An expected failure of a command: bad usage, a missing or unreadable file, a bad key. The entry prints
 * `message`, then `fix`, and exits with `exitCode` (2 for usage and configuration, 1 for a failed check).
 */
export class CliError extends Error {
  /** What to do about it. */
  readonly fix: string;
  /** 1: a finding or failed verification; 2: bad usage or configuration (docs/reference.md §6). */
  readonly exitCode: 1 | 2;
  constructor(message: string, fix: string, exitCode: 1 | 2 = 2) {
    super(message);
    this.name = 'CliError';
    this.fix = fix;
    this.exitCode = exitCode;
  }
}

/** True when an fs error means "no such file". */
export function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
