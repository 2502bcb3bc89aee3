/**
 * Edge-safe fingerprint of NEXT_SERVER_ACTIONS_ENCRYPTION_KEY. The runtime imports this subpath
 * (`@action-guard/manifest/key-fingerprint`) to compare the key it runs with against the manifest's, so it must use
 * WebCrypto only: no `node:` imports, no Buffer.
 */

/** Prefix of every fingerprint; names the algorithm so a future change of scheme can never compare equal by accident. */
export const FINGERPRINT_PREFIX = 'hmac-sha256:';

// A fixed, versioned message. The key is the HMAC key, so the fingerprint reveals nothing about the key that a
// brute-force over the 128+ bit key space would not; it is not a hash of the key that could be looked up.
const FINGERPRINT_MESSAGE = 'action-guard/encryption-key-fingerprint/v1';

/**
 * Fingerprint of an encryption key: `hmac-sha256:<hex>` of a fixed message, keyed by the key's exact string (Next
 * salts action ids with the exact string, so a key that differs by whitespace gets a different fingerprint too).
 */
export async function fingerprintEncryptionKey(key: string): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error('fingerprintEncryptionKey needs WebCrypto (globalThis.crypto.subtle)');
  const encoder = new TextEncoder();
  const hmacKey = await subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await subtle.sign('HMAC', hmacKey, encoder.encode(FINGERPRINT_MESSAGE)));
  let hex = '';
  for (const byte of mac) hex += byte.toString(16).padStart(2, '0');
  return FINGERPRINT_PREFIX + hex;
}

/** Compares two fingerprints; false when either is missing, so an absent manifest never counts as a match. */
export function fingerprintsMatch(a: string | null | undefined, b: string | null | undefined): boolean {
  return typeof a === 'string' && typeof b === 'string' && a.length > 0 && a === b;
}
