import { randomBytes } from 'node:crypto';

import { ENCRYPTION_KEY_ENV } from '@action-guard/contracts';

export { ENCRYPTION_KEY_ENV };

/** Why a key was rejected; stable for scripts. */
export type EncryptionKeyProblem = 'missing' | 'whitespace' | 'not-base64' | 'wrong-length';

/** Result of `checkEncryptionKey`; `problem` and `fix` never contain the key. */
export type EncryptionKeyCheck =
  | { ok: true; bytes: 16 | 24 | 32 }
  | { ok: false; reason: EncryptionKeyProblem; problem: string; fix: string };

const GENERATE_FIX = `generate one with \`action-guard keys generate\` (or \`openssl rand -base64 32\`) and set ${ENCRYPTION_KEY_ENV} to it, identically at build time and on every instance at run time`;

/** A fresh key as Next generates them: base64 of 32 random bytes (AES-256-GCM). */
export function generateEncryptionKey(): string {
  return randomBytes(32).toString('base64');
}

/**
 * Checks a key the way Next will use it, up front: Next salts action ids with the raw string and imports
 * `atob(key)` as an AES-GCM key, failing only later with "Invalid key length"
 * (next/dist/server/app-render/encryption-utils.js). Never echoes the key.
 */
export function checkEncryptionKey(value: string | null | undefined): EncryptionKeyCheck {
  if (value === undefined || value === null || value === '') {
    return {
      ok: false,
      reason: 'missing',
      problem: `${ENCRYPTION_KEY_ENV} is not set, so Next uses a generated key: action ids change between builds that do not share .next/cache (always in Docker), and instances built separately disagree on ids and cannot decrypt each other's captured values`,
      fix: GENERATE_FIX,
    };
  }
  if (/\s/.test(value)) {
    return {
      ok: false,
      reason: 'whitespace',
      problem: `${ENCRYPTION_KEY_ENV} contains whitespace or a line break; Next hashes the raw string into every action id, so this key would give ids that differ from the same key without it`,
      fix: `remove the whitespace (check for a trailing newline from \`echo\` or a copied line); ${GENERATE_FIX}`,
    };
  }
  // Standard base64 only: `atob` rejects the URL-safe alphabet, and a length of 4n+1 can never be valid.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.replace(/=+$/, '').length % 4 === 1 || (value.includes('=') && value.length % 4 !== 0)) {
    return {
      ok: false,
      reason: 'not-base64',
      problem: `${ENCRYPTION_KEY_ENV} is not standard base64 (${value.length} characters; only A–Z, a–z, 0–9, +, / and trailing = are allowed)`,
      fix: GENERATE_FIX,
    };
  }
  const bytes = Buffer.from(value, 'base64').length;
  if (bytes !== 16 && bytes !== 24 && bytes !== 32) {
    return {
      ok: false,
      reason: 'wrong-length',
      problem: `${ENCRYPTION_KEY_ENV} decodes to ${bytes} bytes, but an AES-GCM key must be 16, 24 or 32 bytes (Next would fail later with "Invalid key length")`,
      fix: GENERATE_FIX,
    };
  }
  return { ok: true, bytes };
}
