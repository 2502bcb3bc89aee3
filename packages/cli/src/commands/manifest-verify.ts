import path from 'node:path';
import { parseManifest, verifyEnvelope, type ActionManifest, type VerifyFailure } from '@action-guard/manifest';
import type { CommandModule } from '../command.js';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { DEFAULT_MANIFEST_DIR, ENVELOPE_FILE, exists, isDirectory, manifestError, MANIFEST_FILE, readText } from '../read-files.js';

/** Options of `manifest verify`. */
export interface VerifyOptions {
  /** An envelope file or the directory holding it. @default .next/action-guard */
  target?: string;
  /** The public key: a PEM file path, PEM text, or base64 of PEM. */
  publicKey: string;
}

/** What `manifest verify` returns. */
export type VerifyManifestResult =
  | { ok: true; envelopeFile: string; manifestFile: string | null; keyid: string; actions: number; createdAt: string | null }
  | { ok: false; envelopeFile: string; reason: VerifyFailure | 'manifest-mismatch' | 'missing-envelope' | 'invalid-manifest'; message: string };

// A value is key material when it is PEM or looks like base64 of PEM; anything else is a path.
function looksLikeKey(value: string): boolean {
  return value.includes('-----BEGIN') || /^LS0tLS1CRUdJTi/.test(value.trim());
}

/**
 * Verifies the DSSE envelope of a manifest against a public key and, when `manifest.json` sits beside it, that the
 * file is byte for byte the signed payload (so a tampered manifest.json next to a valid envelope fails too).
 */
export async function verifyManifest(options: VerifyOptions, ctx: CommandContext): Promise<VerifyManifestResult> {
  let envelopeFile = path.resolve(ctx.cwd, options.target ?? path.join(DEFAULT_MANIFEST_DIR, ENVELOPE_FILE));
  if (await isDirectory(ctx, envelopeFile)) envelopeFile = path.join(envelopeFile, ENVELOPE_FILE);
  // An unsigned build fails verification (exit 1) rather than counting as bad usage: it is what a CI gate must catch.
  if (!(await exists(ctx, envelopeFile))) {
    return {
      ok: false,
      envelopeFile,
      reason: 'missing-envelope',
      message: `there is no signed envelope at ${envelopeFile}: build with ACTION_GUARD_SIGNING_KEY set (the build then writes ${ENVELOPE_FILE} beside manifest.json), or pass the envelope's path`,
    };
  }
  const envelopeText = await readText(ctx, envelopeFile, 'signed manifest envelope', 'pass the path of manifest.dsse.json');
  const publicKey = looksLikeKey(options.publicKey)
    ? options.publicKey
    : await readText(ctx, path.resolve(ctx.cwd, options.publicKey), 'public key file', 'pass the public-key PEM written by `action-guard signing-key generate`, or the PEM text itself');

  const result = verifyEnvelope(envelopeText, publicKey);
  if (!result.ok) {
    if (result.reason === 'invalid-public-key') throw new CliError(`--public-key: ${result.message}`, 'pass the .pub.pem file written by `action-guard signing-key generate`');
    return { ok: false, envelopeFile, reason: result.reason, message: result.message };
  }
  const manifestFile = path.join(path.dirname(envelopeFile), MANIFEST_FILE);
  let checkedManifest: string | null = null;
  if (await exists(ctx, manifestFile)) {
    const bytes = Buffer.from(await ctx.fs.readFile(manifestFile));
    if (!bytes.equals(Buffer.from(result.payload))) {
      return { ok: false, envelopeFile, reason: 'manifest-mismatch', message: `${manifestFile} differs from the payload the envelope signs` };
    }
    checkedManifest = manifestFile;
  }
  // A valid signature over something that is not a manifest (signed by a CI that was fed a wrong file, or by a
  // version with another shape) is not a build to deploy: every other command would reject it.
  let manifest: ActionManifest;
  try {
    manifest = parseManifest(result.manifest);
  } catch (error) {
    return { ok: false, envelopeFile, reason: 'invalid-manifest', message: manifestError(envelopeFile, error, 'payload: ').message };
  }
  return { ok: true, envelopeFile, manifestFile: checkedManifest, keyid: result.keyid, actions: manifest.actions.length, createdAt: manifest.createdAt };
}

/** The `manifest verify [ENVELOPE|DIR] --public-key FILE|VALUE` command. */
export const command: CommandModule<VerifyManifestResult> = {
  run: (args, ctx) => {
    const publicKey = args.values['public-key'];
    if (typeof publicKey !== 'string' || publicKey === '') {
      throw new CliError('manifest verify needs --public-key', 'pass --public-key path/to/manifest-signing.pub.pem (from `action-guard signing-key generate`)');
    }
    return verifyManifest({ target: args.positionals[0], publicKey }, ctx);
  },
  exitCode: (r) => (r.ok ? 0 : 1),
  render: {
    table: (r) =>
      r.ok
        ? `verified: ${r.envelopeFile}\n  signed by ${r.keyid}\n  ${r.actions} actions, created ${r.createdAt ?? 'unknown'}${r.manifestFile ? `\n  ${r.manifestFile} matches the signed payload` : ''}`
        : `VERIFICATION FAILED (${r.reason}): ${r.envelopeFile}\n  ${r.message}\n  do not deploy this build: rebuild, or check that the public key belongs to your CI's signing key`,
    json: (r) => JSON.stringify(r, null, 2),
  },
};
