import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { SIGNING_KEY_ENV } from '@action-guard/contracts';
import { canonicalString } from './canonical-bytes.js';
import type { DsseEnvelope } from './types.js';

/** The DSSE payload type of the action manifest (docs/reference.md §4). */
export const MANIFEST_PAYLOAD_TYPE = 'application/vnd.action-guard.manifest+json';

export { SIGNING_KEY_ENV };

const encoder = new TextEncoder();

/**
 * DSSE pre-authentication encoding: `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths as ASCII decimal
 * byte counts (https://github.com/secure-systems-lab/dsse/blob/master/protocol.md). Signing PAE rather than the raw
 * payload binds the payload type, so an envelope re-labelled with another type never verifies.
 */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const head = paeHeader(payloadType, payload.length);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head, 0);
  out.set(payload, head.length);
  return out;
}

// The PAE up to the payload, for a payload of `payloadLength` bytes.
function paeHeader(payloadType: string, payloadLength: number): Uint8Array {
  return encoder.encode(`DSSEv1 ${encoder.encode(payloadType).length} ${payloadType} ${payloadLength} `);
}

/** A signing key pair as PEM text plus its keyid. */
export interface SigningKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
  keyid: string;
}

/** Generates an Ed25519 key pair for signing manifests (private key PKCS#8 PEM, public key SPKI PEM). */
export function generateSigningKeyPair(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyid: keyIdFromPublicKey(publicKey),
  };
}

/** `sha256:<hex>` of the public key's SPKI DER (docs/reference.md §4); accepts a public or private key (PEM or KeyObject). */
export function keyIdFromPublicKey(key: KeyObject | string): string {
  const object = typeof key === 'string' ? toPublicKey(key) : key.type === 'private' ? createPublicKey(key) : key;
  const der = object.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

/** Error raised for a key that cannot be used; its message names the fix and never contains key material. */
export class SigningKeyError extends Error {
  /** What to do about it. */
  readonly fix: string;
  constructor(message: string, fix: string) {
    super(message);
    this.name = 'SigningKeyError';
    this.fix = fix;
  }
}

// Accept the PEM itself or the PEM base64-encoded (a one-line form that survives CI secret stores).
function pemText(value: string): string {
  const trimmed = value.trim();
  if (trimmed.startsWith('-----BEGIN')) return trimmed;
  const decoded = Buffer.from(trimmed, 'base64').toString('utf8').trim();
  if (decoded.startsWith('-----BEGIN')) return decoded;
  throw new SigningKeyError(
    'the key is neither PEM text nor base64 of PEM text',
    'pass the PEM file written by `action-guard signing-key generate`, or its contents base64-encoded (`base64 -w0 file.pem`)',
  );
}

/** Parses an Ed25519 private key given as PKCS#8 PEM or base64 of that PEM; throws `SigningKeyError` otherwise. */
export function parseSigningKey(value: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pemText(value));
  } catch (error) {
    if (error instanceof SigningKeyError) throw error;
    throw new SigningKeyError(
      `${SIGNING_KEY_ENV} is not a readable private key`,
      'set it to the private-key PEM from `action-guard signing-key generate` (PKCS#8), or to that PEM base64-encoded',
    );
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new SigningKeyError(
      `${SIGNING_KEY_ENV} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key, but manifests are signed with Ed25519`,
      'generate an Ed25519 key with `action-guard signing-key generate --out DIR`',
    );
  }
  return key;
}

/** Parses a public key (SPKI PEM, base64 of it, or a private key from which the public half is derived). */
export function toPublicKey(value: string | KeyObject): KeyObject {
  if (typeof value !== 'string') return value.type === 'private' ? createPublicKey(value) : value;
  const pem = pemText(value);
  try {
    return createPublicKey(pem);
  } catch {
    throw new SigningKeyError(
      'the public key is not a readable SPKI PEM key',
      'pass the public-key PEM written by `action-guard signing-key generate` (manifest-signing.pub.pem)',
    );
  }
}

/** Signs manifest bytes into a DSSE envelope with an Ed25519 private key (KeyObject, PEM, or base64 of PEM). */
export function signManifest(bytes: Uint8Array, privateKey: KeyObject | string): DsseEnvelope {
  const key = typeof privateKey === 'string' ? parseSigningKey(privateKey) : privateKey;
  const sig = sign(null, preAuthEncoding(MANIFEST_PAYLOAD_TYPE, bytes), key);
  const envelope: DsseEnvelope = {
    // A Buffer view of the bytes, not a copy of them (docs/measurements.md#dsse-payload-copies).
    payload: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
    payloadType: MANIFEST_PAYLOAD_TYPE,
    signatures: [{ keyid: keyIdFromPublicKey(key), sig: sig.toString('base64') }],
  };
  signedPayloads.set(envelope, envelope.payload);
  return envelope;
}

// The base64 text signManifest wrote for each envelope it returned. That text is known to need no JSON escaping,
// which no check on an arbitrary string proves cheaply (a regex over a large payload costs more than JSON.stringify).
const signedPayloads = new WeakMap<DsseEnvelope, string>();

/**
 * The RFC 8785 text of a DSSE envelope: what `manifest.dsse.json` holds (equal to `canonicalString(envelope)`).
 * For an envelope from signManifest whose payload is still the text it wrote, that payload is written between
 * quotes as is: JSON.stringify copies a string one character at a time (docs/measurements.md#dsse-payload-copies).
 * Any other envelope goes through canonicalString.
 */
export function serializeEnvelope(envelope: DsseEnvelope): string {
  const { payload, payloadType, signatures, ...others } = envelope;
  // Only the DSSE shape takes the fast path: "payload" then sorts before its two siblings, so it opens the text.
  const dsseShape = Object.keys(others).length === 0 && typeof payloadType === 'string' && Array.isArray(signatures);
  if (!dsseShape || signedPayloads.get(envelope) !== payload) return canonicalString(envelope);
  return `{"payload":"${payload}",${canonicalString({ payloadType, signatures }).slice(1)}`;
}

/** Why verification failed; stable for scripts. */
export type VerifyFailure =
  | 'malformed-envelope'
  | 'wrong-payload-type'
  | 'invalid-public-key'
  | 'no-signature-for-key'
  | 'bad-signature'
  | 'malformed-payload';

/** Result of `verifyEnvelope`; never thrown. */
export type VerifyResult =
  | { ok: true; keyid: string; payload: Uint8Array; manifest: unknown }
  | { ok: false; reason: VerifyFailure; message: string };

// Strict base64: the value must be exactly the standard encoding of the bytes it decodes to. Node's decoder also
// accepts the URL-safe alphabet (rejected by name), silently skips any other character outside the alphabet
// (caught by the length check: every skipped character shortens the output), and ignores the unused low bits of
// the last character (caught by re-encoding the last group). Re-encoding the whole string would do the same at
// twice the cost on a 10,000-action manifest. The bytes are decoded after a prefix made for their length, if one is
// asked for: the payload goes straight into its PAE, instead of being copied there.
function strictBase64(value: unknown, prefixFor?: (length: number) => Uint8Array): { bytes: Buffer; withPrefix: Buffer } | null {
  if (typeof value !== 'string' || value.length === 0 || value.length % 4 !== 0) return null;
  if (value.includes('-') || value.includes('_')) return null;
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  const length = (value.length / 4) * 3 - padding;
  const prefix = prefixFor ? prefixFor(length) : new Uint8Array(0);
  // Never a slice of Node's shared pool: the bytes are handed to the caller, who must not reach other data.
  const withPrefix = Buffer.allocUnsafeSlow(prefix.length + length);
  withPrefix.set(prefix, 0);
  // The decoder never writes more than `length` bytes for this text, so a short write is the only sign of skipping.
  if (withPrefix.write(value, prefix.length, 'base64') !== length) return null;
  const bytes = withPrefix.subarray(prefix.length);
  const lastGroupBytes = padding === 0 ? 3 : 3 - padding;
  return bytes.subarray(length - lastGroupBytes).toString('base64') === value.slice(-4) ? { bytes, withPrefix } : null;
}

function fail(reason: VerifyFailure, message: string): VerifyResult {
  return { ok: false, reason, message };
}

/**
 * Verifies a DSSE envelope (object, JSON text or bytes) against an Ed25519 public key. It accepts only the manifest
 * payload type, only a signature whose keyid is this key's (or empty), strict base64, and a JSON payload; it
 * returns a typed result and never throws on bad input.
 */
export function verifyEnvelope(envelope: unknown, publicKey: KeyObject | string): VerifyResult {
  let parsed: unknown = envelope;
  if (typeof envelope === 'string' || envelope instanceof Uint8Array) {
    try {
      parsed = JSON.parse(typeof envelope === 'string' ? envelope : new TextDecoder('utf-8', { fatal: true }).decode(envelope));
    } catch {
      return fail('malformed-envelope', 'the envelope is not valid JSON');
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return fail('malformed-envelope', 'the envelope is not a JSON object');
  }
  const env = parsed as Record<string, unknown>;
  const allowed = new Set(['payload', 'payloadType', 'signatures']);
  const unknownKey = Object.keys(env).find((k) => !allowed.has(k));
  if (unknownKey !== undefined) return fail('malformed-envelope', `the envelope has an unexpected field "${unknownKey}"`);
  if (env.payloadType !== MANIFEST_PAYLOAD_TYPE) {
    return fail('wrong-payload-type', `the envelope's payloadType is ${JSON.stringify(env.payloadType)}, expected "${MANIFEST_PAYLOAD_TYPE}"`);
  }
  const decoded = strictBase64(env.payload, (length) => paeHeader(MANIFEST_PAYLOAD_TYPE, length));
  if (!decoded) return fail('malformed-envelope', 'the envelope payload is not canonical base64');
  if (!Array.isArray(env.signatures) || env.signatures.length === 0) {
    return fail('malformed-envelope', 'the envelope has no signatures');
  }

  let key: KeyObject;
  let keyid: string;
  try {
    key = toPublicKey(publicKey);
    if (key.asymmetricKeyType !== 'ed25519') return fail('invalid-public-key', `the public key is ${key.asymmetricKeyType}, expected ed25519`);
    keyid = keyIdFromPublicKey(key);
  } catch (error) {
    return fail('invalid-public-key', error instanceof Error ? error.message : 'the public key cannot be read');
  }

  const { bytes: payload, withPrefix: pae } = decoded;
  let candidates = 0;
  for (const entry of env.signatures as unknown[]) {
    if (entry === null || typeof entry !== 'object') return fail('malformed-envelope', 'a signature entry is not an object');
    const { keyid: entryKeyid, sig, ...rest } = entry as Record<string, unknown>;
    if (Object.keys(rest).length > 0) return fail('malformed-envelope', `a signature has an unexpected field "${Object.keys(rest)[0]}"`);
    if (typeof entryKeyid !== 'string') return fail('malformed-envelope', 'a signature has no keyid string');
    // DSSE keyids are hints; we still only try signatures that claim to be this key's, so a signature that names
    // another key (or a tampered keyid) is never mistaken for ours.
    if (entryKeyid !== '' && entryKeyid !== keyid) continue;
    const signature = strictBase64(sig);
    if (!signature) return fail('malformed-envelope', 'a signature is not canonical base64');
    candidates++;
    if (verify(null, pae, key, signature.bytes)) {
      let manifest: unknown;
      try {
        manifest = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
      } catch {
        return fail('malformed-payload', 'the signed payload is not JSON');
      }
      // A view of the decoded bytes, not a copy: its `.buffer` is the PAE that was verified, and nothing else.
      return { ok: true, keyid, payload: new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength), manifest };
    }
  }
  if (candidates === 0) return fail('no-signature-for-key', `no signature in the envelope is by key ${keyid}`);
  return fail('bad-signature', `the signature by ${keyid} does not match the payload`);
}
