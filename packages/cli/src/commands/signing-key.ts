import path from 'node:path';
import { generateSigningKeyPair, SIGNING_KEY_ENV } from '@action-guard/manifest';
import type { CommandModule } from '../command.js';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';

/** File names written by `signing-key generate`. */
export const PRIVATE_KEY_FILE = 'manifest-signing.key.pem';
/** The public half, safe to commit. */
export const PUBLIC_KEY_FILE = 'manifest-signing.pub.pem';

/** What `signing-key generate` returns; never the private key itself. */
export interface SigningKeyResult {
  privateKeyFile: string;
  publicKeyFile: string;
  keyid: string;
}

/** Writes a new Ed25519 key pair into `out` (private key mode 0600), refusing to overwrite existing files. */
export async function generateSigningKey(options: { out: string }, ctx: CommandContext): Promise<SigningKeyResult> {
  const dir = path.resolve(ctx.cwd, options.out);
  const pair = generateSigningKeyPair();
  const privateKeyFile = path.join(dir, PRIVATE_KEY_FILE);
  const publicKeyFile = path.join(dir, PUBLIC_KEY_FILE);
  await ctx.fs.mkdir(dir, { recursive: true });
  try {
    await ctx.fs.writeFile(privateKeyFile, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new CliError(`${privateKeyFile} already exists`, 'choose another --out directory, or delete the old key pair first (builds signed with it will no longer verify against a new public key)');
    }
    throw error;
  }
  await ctx.fs.writeFile(publicKeyFile, pair.publicKeyPem, { flag: 'w' });
  return { privateKeyFile, publicKeyFile, keyid: pair.keyid };
}

/** The `signing-key generate --out DIR` command. */
export const command: CommandModule<SigningKeyResult> = {
  run: (args, ctx) => {
    const out = args.values.out;
    if (typeof out !== 'string' || out === '') throw new CliError('signing-key generate needs --out DIR', 'pass a directory outside the repository for the private key, e.g. `--out ~/.action-guard`');
    return generateSigningKey({ out }, ctx);
  },
  exitCode: () => 0,
  render: {
    table: (r) =>
      [
        `wrote ${r.privateKeyFile} (private, mode 0600: never commit it)`,
        `wrote ${r.publicKeyFile} (public: commit it, CI verifies with it)`,
        `keyid ${r.keyid}`,
        '',
        `Store the private key as the CI secret ${SIGNING_KEY_ENV}: \`base64 -w0 ${r.privateKeyFile}\` gives a one-line value.`,
        `Verify a build with: action-guard manifest verify .next/action-guard --public-key ${r.publicKeyFile}`,
      ].join('\n'),
    json: (r) => JSON.stringify(r, null, 2),
  },
};
