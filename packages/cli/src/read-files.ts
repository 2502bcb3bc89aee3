import path from 'node:path';
import { ACTION_GUARD_DIR, ENVELOPE_FILE, MANIFEST_FILE } from '@action-guard/contracts';
import { ManifestFormatError, parseManifest, type ActionManifest } from '@action-guard/manifest';
import type { CommandContext } from './context.js';
import { CliError, isNotFound } from './errors.js';

/** The default output directory of the post-build step, relative to the project. */
export const DEFAULT_MANIFEST_DIR = path.join('.next', ACTION_GUARD_DIR);

/** Reads a text file, turning "not found" into a CliError that names the file and how to produce it. */
export async function readText(ctx: CommandContext, file: string, whatItIs: string, howToGetIt: string): Promise<string> {
  try {
    return await ctx.fs.readFile(file, 'utf8');
  } catch (error) {
    if (isNotFound(error)) throw new CliError(`${whatItIs} not found: ${file}`, howToGetIt);
    throw new CliError(`cannot read ${whatItIs} ${file}: ${(error as Error).message}`, 'check the path and its permissions');
  }
}

/** Whether a path is a directory (false when it does not exist). */
export async function isDirectory(ctx: CommandContext, file: string): Promise<boolean> {
  try {
    return (await ctx.fs.stat(file)).isDirectory();
  } catch {
    return false;
  }
}

/** Whether a path exists. */
export async function exists(ctx: CommandContext, file: string): Promise<boolean> {
  try {
    await ctx.fs.stat(file);
    return true;
  } catch {
    return false;
  }
}

const BUILD_FIRST = 'run `next build` with withActionGuard() in next.config (it writes .next/action-guard/manifest.json), or pass the file path';

/**
 * Loads a manifest from a file, a directory holding manifest.json, or a DSSE envelope (whose payload is read
 * without verification; `unverifiedEnvelope` says so). Errors name the file and the fix.
 */
export async function loadManifest(
  ctx: CommandContext,
  target: string | undefined,
): Promise<{ file: string; manifest: ActionManifest; unverifiedEnvelope: boolean }> {
  let file = path.resolve(ctx.cwd, target ?? path.join(DEFAULT_MANIFEST_DIR, MANIFEST_FILE));
  if (await isDirectory(ctx, file)) file = path.join(file, MANIFEST_FILE);
  const text = await readText(ctx, file, 'manifest', BUILD_FIRST);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file}: not valid JSON (${(error as Error).message})`, BUILD_FIRST);
  }
  let unverifiedEnvelope = false;
  const envelope = value as { payloadType?: unknown; payload?: unknown; signatures?: unknown };
  if (envelope && typeof envelope === 'object' && typeof envelope.payload === 'string' && 'signatures' in envelope) {
    try {
      value = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    } catch (error) {
      throw new CliError(`${file}: a DSSE envelope whose payload is not JSON (${(error as Error).message})`, 'use `action-guard manifest verify` to check the envelope');
    }
    unverifiedEnvelope = true;
  }
  try {
    return { file, manifest: parseManifest(value), unverifiedEnvelope };
  } catch (error) {
    throw manifestError(file, error, unverifiedEnvelope ? 'payload: ' : '');
  }
}

/**
 * The CLI error for a file that parseManifest rejected: `<file>: <field path>: expected …, got …` (exit 2), with the
 * fix. Anything else parseManifest threw is a bug and passes through as an internal error.
 */
export function manifestError(file: string, error: unknown, prefix = ''): CliError {
  if (!(error instanceof ManifestFormatError)) throw error;
  const fix = error.path
    ? `rebuild with \`next build\` to write a fresh ${MANIFEST_FILE}; do not edit it by hand (a manifest from elsewhere may have been tampered with)`
    : `pass .next/action-guard/${MANIFEST_FILE} or its directory`;
  return new CliError(`${file}: ${prefix}${error.message}`, fix);
}

/** The envelope file name, for messages. */
export { ENVELOPE_FILE, MANIFEST_FILE };
