import { promises as nodeFs } from 'node:fs';
import type { AtomicWriteFs } from '@action-guard/manifest';

/** The file-system calls commands make; `node:fs/promises` by default, memfs's `vol.promises` in tests. */
export interface CliFs extends AtomicWriteFs {
  readFile(file: string): Promise<Uint8Array>;
  readFile(file: string, encoding: 'utf8'): Promise<string>;
  writeFile(file: string, data: string | Uint8Array, options?: { mode?: number; flag?: string }): Promise<void>;
  stat(file: string): Promise<{ mode: number; isDirectory(): boolean; isFile(): boolean }>;
}

/** Everything a command may read from the outside world; tests pass their own. */
export interface CommandContext {
  /** Directory relative paths are resolved against. */
  cwd: string;
  /** Environment the keys are read from. */
  env: Record<string, string | undefined>;
  fs: CliFs;
  /** Clock, for dates written into env files. */
  now: () => Date;
}

/** The context of a real run: the process's cwd, env, file system and clock. */
export function defaultContext(overrides: Partial<CommandContext> = {}): CommandContext {
  return {
    cwd: process.cwd(),
    env: process.env,
    fs: nodeFs as unknown as CliFs,
    now: () => new Date(),
    ...overrides,
  };
}
