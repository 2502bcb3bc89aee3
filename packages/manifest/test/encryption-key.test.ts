import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { checkEncryptionKey, generateEncryptionKey } from '../src/encryption-key.js';
import { fingerprintEncryptionKey, fingerprintsMatch } from '../src/key-fingerprint.js';

const b64 = (n: number) => Buffer.alloc(n, 7).toString('base64');

describe('checkEncryptionKey', () => {
  test.each([
    ['a 16-byte key', b64(16), 16],
    ['a 24-byte key', b64(24), 24],
    ['a 32-byte key', b64(32), 32],
    ['a 32-byte key without padding', b64(32).replace(/=+$/, ''), 32],
  ])('accepts %s', (_label, key, bytes) => {
    expect(checkEncryptionKey(key)).toEqual({ ok: true, bytes });
  });

  test.each([
    ['a missing key', undefined, 'missing'],
    ['an empty key', '', 'missing'],
    ['a key with a trailing newline', `${b64(32)}\n`, 'whitespace'],
    ['a key with a space inside', `${b64(16).slice(0, 8)} ${b64(16).slice(8)}`, 'whitespace'],
    ['a URL-safe base64 key', b64(32).replace(/\+/g, '-').replace(/\//g, '_').replace('B', '-'), 'not-base64'],
    ['a hex key', 'ab'.repeat(32), 'wrong-length'],
    ['a key of 4n+1 characters', 'AAAAA', 'not-base64'],
    ['a key with misplaced padding', 'AA==AAAA', 'not-base64'],
    ['a 31-byte key', b64(31), 'wrong-length'],
    ['a 33-byte key', b64(33), 'wrong-length'],
  ])('rejects %s with a fix that never quotes the key', (_label, key, reason) => {
    const result = checkEncryptionKey(key);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe(reason);
    expect(result.fix).toMatch(/keys generate/);
    if (key) {
      expect(result.problem).not.toContain(key.trim());
      expect(result.fix).not.toContain(key.trim());
    }
  });

  test('explains what a missing key costs: id churn and instances that disagree', () => {
    const result = checkEncryptionKey(undefined);
    expect(!result.ok && result.problem).toMatch(/action ids change between builds/);
    expect(!result.ok && result.problem).toMatch(/instances/);
  });
});

describe('generateEncryptionKey', () => {
  test('makes a fresh valid 32-byte key each time', () => {
    const a = generateEncryptionKey();
    expect(checkEncryptionKey(a)).toEqual({ ok: true, bytes: 32 });
    expect(generateEncryptionKey()).not.toBe(a);
  });
});

describe('fingerprintEncryptionKey', () => {
  test('is stable for one key, different for another, and never contains the key', async () => {
    const key = generateEncryptionKey();
    const one = await fingerprintEncryptionKey(key);
    expect(one).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(await fingerprintEncryptionKey(key)).toBe(one);
    expect(await fingerprintEncryptionKey(generateEncryptionKey())).not.toBe(one);
    expect(one).not.toContain(key);
    expect(one).not.toContain(Buffer.from(key, 'base64').toString('hex'));
  });

  test('tells a key from the same key with a trailing newline, as Next ids do', async () => {
    const key = generateEncryptionKey();
    expect(await fingerprintEncryptionKey(`${key}\n`)).not.toBe(await fingerprintEncryptionKey(key));
  });

  test('compares fingerprints without ever matching a missing one', () => {
    expect(fingerprintsMatch('hmac-sha256:aa', 'hmac-sha256:aa')).toBe(true);
    expect(fingerprintsMatch('hmac-sha256:aa', 'hmac-sha256:ab')).toBe(false);
    expect(fingerprintsMatch(null, null)).toBe(false);
    expect(fingerprintsMatch('', '')).toBe(false);
  });

  test('is edge-safe: its module imports nothing from node:', () => {
    const source = readFileSync(new URL('../src/key-fingerprint.ts', import.meta.url), 'utf8');
    const imports = source.split('\n').filter((line) => /^\s*(import|export)\b.*\bfrom\b/.test(line));
    expect(imports).toEqual([]);
    expect(source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')).not.toMatch(/\bBuffer\b|\brequire\(|process\./);
  });
});
