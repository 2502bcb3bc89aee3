import { BUILD_KEY_FINGERPRINT_ENV, ENCRYPTION_KEY_ENV, formatFinding } from '@action-guard/contracts';
import { checkEncryptionKey, createFinding } from '@action-guard/manifest';
import { fingerprintEncryptionKey } from '@action-guard/manifest/key-fingerprint';

/**
 * Fails fast on a malformed `NEXT_SERVER_ACTIONS_ENCRYPTION_KEY` (docs/reference.md §5), in every phase that compiles: Next
 * itself would only fail later, at the first encryption, with "Invalid key length". A missing key is not an error
 * here; the post-build manifest step reports it (`missing-encryption-key`) with the configured severity.
 * The key itself never appears in the message.
 */
export function assertEncryptionKeyWellFormed(env: NodeJS.ProcessEnv = process.env): void {
  const check = checkEncryptionKey(env[ENCRYPTION_KEY_ENV]);
  if (check.ok || check.reason === 'missing') return;
  const finding = createFinding('malformed-encryption-key', 'error', { message: check.problem, fix: check.fix });
  throw Object.assign(new Error(formatFinding(finding)), { code: finding.code });
}

export { BUILD_KEY_FINGERPRINT_ENV };

/**
 * The value for {@link BUILD_KEY_FINGERPRINT_ENV}: the fingerprint of the build's key, or `generated` when the build
 * has none (Next then generates one). Never the key.
 */
export async function buildKeyFingerprint(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const key = env[ENCRYPTION_KEY_ENV];
  return key ? fingerprintEncryptionKey(key) : 'generated';
}
