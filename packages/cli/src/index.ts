/**
 * @action-guard/cli as a library: every command is a function that returns data (the `action-guard` binary renders
 * it). Useful in scripts and tests; the formats are in the same modules.
 */
export { runCli, type CliIo } from './cli.js';
export { defaultContext, type CommandContext, type CliFs } from './context.js';
export { CliError } from './errors.js';
export { COMMANDS, findCommand, type CommandSpec } from './registry.js';
export type { CommandModule, Format, ParsedArgs } from './command.js';
export { audit, type AuditOptions, type AuditResult } from './commands/audit.js';
export { showManifest, type ShowResult } from './commands/manifest-show.js';
export { verifyManifest, type VerifyManifestResult, type VerifyOptions } from './commands/manifest-verify.js';
export { diffManifestFiles, parseFailOn, DEFAULT_FAIL_ON, type DiffOptions, type DiffResult } from './commands/manifest-diff.js';
export {
  generateKey,
  checkKey,
  fingerprintKey,
  rotateKey,
  type GenerateKeyResult,
  type CheckKeyResult,
  type FingerprintResult,
  type RotateKeyResult,
} from './commands/keys.js';
export { generateSigningKey, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, type SigningKeyResult } from './commands/signing-key.js';
export { toSarif, type SarifFinding } from './render/sarif.js';
