import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { canonicalBytes, canonicalString } from '../src/canonical-bytes.js';
import {
  generateSigningKeyPair,
  keyIdFromPublicKey,
  MANIFEST_PAYLOAD_TYPE,
  parseSigningKey,
  preAuthEncoding,
  serializeEnvelope,
  signManifest,
  SigningKeyError,
  verifyEnvelope,
} from '../src/dsse.js';
import { action, manifestOf } from './helpers.js';

const pair = generateSigningKeyPair();
const manifestBytes = canonicalBytes(manifestOf([action('app/a.ts#one'), action('app/b.ts#two', { policy: null, guarded: false })]));
const envelopeText = JSON.stringify(signManifest(manifestBytes, pair.privateKeyPem));

describe('DSSE pre-authentication encoding', () => {
  test('matches the test vector of the DSSE protocol', () => {
    const pae = preAuthEncoding('http://example.com/HelloWorld', new TextEncoder().encode('hello world'));
    expect(Buffer.from(pae).toString()).toBe('DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });

  test('counts bytes, not characters, of a multi-byte payload', () => {
    expect(Buffer.from(preAuthEncoding('t', new TextEncoder().encode('é'))).toString()).toBe('DSSEv1 1 t 2 é');
  });
});

describe('signing keys', () => {
  test('names a key by sha256 of its SPKI DER, the same for the private and the public half', () => {
    expect(pair.keyid).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(keyIdFromPublicKey(pair.publicKeyPem)).toBe(pair.keyid);
    expect(keyIdFromPublicKey(parseSigningKey(pair.privateKeyPem))).toBe(pair.keyid);
  });

  test('accepts the private key as PEM or as base64 of the PEM', () => {
    const b64 = Buffer.from(pair.privateKeyPem).toString('base64');
    expect(keyIdFromPublicKey(parseSigningKey(b64))).toBe(pair.keyid);
  });

  test('rejects a non-Ed25519 key with the fix, and garbage without echoing it', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => parseSigningKey(rsa)).toThrow(/rsa key, but manifests are signed with Ed25519/);
    try {
      parseSigningKey('not-a-key-SECRETVALUE');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SigningKeyError);
      expect((error as Error).message).not.toContain('SECRETVALUE');
      expect((error as SigningKeyError).fix).toMatch(/signing-key generate/);
    }
  });
});

describe('verifyEnvelope', () => {
  test('accepts the envelope signManifest wrote and returns the exact signed bytes', () => {
    const result = verifyEnvelope(envelopeText, pair.publicKeyPem);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.keyid).toBe(pair.keyid);
    expect(Buffer.from(result.payload).equals(Buffer.from(manifestBytes))).toBe(true);
    expect((result.manifest as { actions: unknown[] }).actions).toHaveLength(2);
  });

  test('fails for every single flipped byte of the envelope, at every position', () => {
    const bytes = Buffer.from(envelopeText);
    const survivors: number[] = [];
    for (let position = 0; position < bytes.length; position++) {
      for (const mask of [0x01, 0x20, 0x80]) {
        const tampered = Buffer.from(bytes);
        tampered[position] = tampered[position]! ^ mask;
        if (verifyEnvelope(new Uint8Array(tampered), pair.publicKeyPem).ok) survivors.push(position);
      }
    }
    expect(bytes.length).toBeGreaterThan(500);
    expect(survivors).toEqual([]);
  }, 60_000);

  test('fails for every single flipped byte of the signed manifest', () => {
    const envelope = JSON.parse(envelopeText) as { payload: string };
    const failures = new Set<string>();
    for (let position = 0; position < manifestBytes.length; position++) {
      const tampered = Buffer.from(manifestBytes);
      tampered[position] = tampered[position]! ^ 0x01;
      const result = verifyEnvelope({ ...envelope, payload: tampered.toString('base64') }, pair.publicKeyPem);
      expect(result.ok).toBe(false);
      if (!result.ok) failures.add(result.reason);
    }
    expect([...failures]).toEqual(['bad-signature']);
  }, 60_000);

  test('rejects a signature checked against another public key', () => {
    const other = generateSigningKeyPair();
    const result = verifyEnvelope(envelopeText, other.publicKeyPem);
    expect(result).toMatchObject({ ok: false, reason: 'no-signature-for-key' });
  });

  test('rejects a wrong key even when the keyid hint is blank', () => {
    const other = generateSigningKeyPair();
    const envelope = JSON.parse(envelopeText) as { signatures: Array<{ keyid: string }> };
    envelope.signatures[0]!.keyid = '';
    expect(verifyEnvelope(envelope, other.publicKeyPem)).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(verifyEnvelope(envelope, pair.publicKeyPem).ok).toBe(true);
  });

  test('rejects an envelope that carries a different payload type, even one signed over that type', () => {
    const envelope = JSON.parse(envelopeText) as { payloadType: string };
    const relabelled = { ...envelope, payloadType: 'application/vnd.in-toto+json' };
    expect(verifyEnvelope(relabelled, pair.publicKeyPem)).toMatchObject({ ok: false, reason: 'wrong-payload-type' });
    // A genuine signature over the other type's PAE must not be accepted as a manifest either.
    const otherType = 'application/vnd.in-toto+json';
    const sig = sign(null, preAuthEncoding(otherType, manifestBytes), parseSigningKey(pair.privateKeyPem)).toString('base64');
    const signedOther = { payload: Buffer.from(manifestBytes).toString('base64'), payloadType: otherType, signatures: [{ keyid: pair.keyid, sig }] };
    expect(verifyEnvelope(signedOther, pair.publicKeyPem)).toMatchObject({ ok: false, reason: 'wrong-payload-type' });
    expect(verifyEnvelope({ ...signedOther, payloadType: MANIFEST_PAYLOAD_TYPE }, pair.publicKeyPem)).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(MANIFEST_PAYLOAD_TYPE).toBe('application/vnd.action-guard.manifest+json');
  });

  test('never throws on inputs that are not envelopes', () => {
    for (const input of [null, 42, 'not json', '[]', '{}', new Uint8Array([0xff, 0xfe]), { payloadType: MANIFEST_PAYLOAD_TYPE, payload: 'AAAA', signatures: [null] }]) {
      expect(verifyEnvelope(input, pair.publicKeyPem).ok).toBe(false);
    }
    expect(verifyEnvelope(envelopeText, 'not a key')).toMatchObject({ ok: false, reason: 'invalid-public-key' });
  });
});

describe('strict base64 in envelopes', () => {
  const pair = generateSigningKeyPair();
  // Chosen so that its base64 holds both '+' or '/' and padding, the characters the mutations below need.
  const bytes = new TextEncoder().encode('{"a":"??>"}');
  const envelope = signManifest(bytes, pair.privateKeyPem);

  test.each([
    ['a URL-safe character', (p: string) => p.replace(/\+|\//, (c) => (c === '+' ? '-' : '_'))],
    ['a character outside the alphabet', (p: string) => `${p.slice(0, 4)}!${p.slice(5)}`],
    ['a line break inside', (p: string) => `${p.slice(0, 8)}\n${p.slice(9)}`],
    ['non-zero unused bits in the last character', (p: string) => p.replace(/(.)(=+)$/, (_m, c: string, pad: string) => `${String.fromCharCode(c.charCodeAt(0) + 1)}${pad}`)],
    ['padding in the middle', (p: string) => `${p.slice(0, 2)}==${p.slice(4)}`],
    ['missing padding', (p: string) => p.replace(/=+$/, '')],
  ])('rejects a payload with %s even if it decodes to the signed bytes', (_label, mutate) => {
    const payload = mutate(envelope.payload);
    expect(payload).not.toBe(envelope.payload);
    expect(verifyEnvelope({ ...envelope, payload }, pair.publicKeyPem)).toMatchObject({ ok: false });
  });

  test('accepts the canonical encoding', () => {
    expect(/[+/]/.test(envelope.payload) && envelope.payload.endsWith('=')).toBe(true);
    expect(verifyEnvelope(envelope, pair.publicKeyPem).ok).toBe(true);
  });
});

describe('serializeEnvelope', () => {
  const envelope = signManifest(manifestBytes, pair.privateKeyPem);

  test('writes the RFC 8785 text of the envelope signManifest returned, and that text verifies', () => {
    const text = serializeEnvelope(envelope);
    expect(text).toBe(canonicalString(envelope));
    expect(verifyEnvelope(text, pair.publicKeyPem).ok).toBe(true);
  });

  test('escapes a payload that was replaced after signing instead of writing it unescaped', () => {
    const tampered = signManifest(manifestBytes, pair.privateKeyPem);
    tampered.payload = `${tampered.payload.slice(0, 8)}"\n\u0000${tampered.payload.slice(8)}`;
    expect(serializeEnvelope(tampered)).toBe(canonicalString(tampered));
    expect(() => JSON.parse(serializeEnvelope(tampered)) as unknown).not.toThrow();
    expect(verifyEnvelope(serializeEnvelope(tampered), pair.publicKeyPem).ok).toBe(false);
  });

  test('orders every field canonically for envelopes it did not sign, or with fields changed or added', () => {
    const parsed = JSON.parse(envelopeText) as typeof envelope;
    const resigned = { ...envelope, signatures: [{ sig: envelope.signatures[0]!.sig, keyid: 'another "key"' }] };
    const extra = Object.assign(signManifest(manifestBytes, pair.privateKeyPem), { aaa: 1, zzz: [2] });
    const withoutType = signManifest(manifestBytes, pair.privateKeyPem) as Partial<typeof envelope>;
    delete withoutType.payloadType;
    for (const value of [parsed, resigned, extra, withoutType]) {
      expect(serializeEnvelope(value as typeof envelope)).toBe(canonicalString(value));
    }
  });
});

describe('verified payload bytes', () => {
  test('are exactly the signed bytes, in a buffer that holds their PAE and no other data, small or large', () => {
    for (const bytes of [manifestBytes, new TextEncoder().encode(JSON.stringify({ pad: 'x'.repeat(64 * 1024) }))]) {
      const result = verifyEnvelope(serializeEnvelope(signManifest(bytes, pair.privateKeyPem)), pair.publicKeyPem);
      expect(result.ok).toBe(true);
      if (!result.ok) continue;
      expect(Buffer.from(result.payload).equals(Buffer.from(bytes))).toBe(true);
      // Small payloads must not be views of Node's shared buffer pool, where other data lives.
      expect(Buffer.from(result.payload.buffer).equals(Buffer.from(preAuthEncoding(MANIFEST_PAYLOAD_TYPE, bytes)))).toBe(true);
    }
  });
});
