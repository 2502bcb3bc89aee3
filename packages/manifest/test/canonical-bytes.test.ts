import { describe, expect, test } from 'vitest';
import { canonicalBytes, canonicalString, digestCanonical, inCanonicalOrder, referenceCanonicalString } from '../src/canonical-bytes.js';
import { random } from './helpers.js';

describe('canonicalBytes', () => {
  test('sorts object keys by UTF-16 code units and drops all whitespace (RFC 8785 §3.2.3)', () => {
    // The sorting example of RFC 8785 §3.2.3: keys in UTF-16 code-unit order, not code-point or locale order.
    const value = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    // Read the order from the text: JSON.parse would move the integer-like key "1" first again.
    const text = canonicalString(value);
    const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'].map((k) => text.indexOf(`${JSON.stringify(k)}:`));
    expect(order.every((position, i) => position > 0 && (i === 0 || position > order[i - 1]!))).toBe(true);
    expect(canonicalString({ b: [1, { d: true, c: null }], a: 'x' })).toBe('{"a":"x","b":[1,{"c":null,"d":true}]}');
  });

  test('serialises numbers and strings the way RFC 8785 prescribes', () => {
    expect(canonicalString([0, -0, 1e21, 1e-7, 333333333.3333333, 4.5])).toBe('[0,0,1e+21,1e-7,333333333.3333333,4.5]');
    expect(canonicalString('\u2028\u001f"\\')).toBe('"\u2028\\u001f\\"\\\\"');
  });

  test('encodes the canonical text as UTF-8 bytes', () => {
    expect(Buffer.from(canonicalBytes({ k: 'é' })).toString('hex')).toBe(Buffer.from('{"k":"é"}', 'utf8').toString('hex'));
  });

  test('gives equal digests to equal values whatever their key order', () => {
    expect(digestCanonical({ a: 1, b: [2] })).toBe(digestCanonical({ b: [2], a: 1 }));
    expect(digestCanonical({ a: 1 })).not.toBe(digestCanonical({ a: 2 }));
    expect(digestCanonical({ a: 1 })).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  test('refuses values JSON cannot carry instead of writing something unsigned-looking', () => {
    expect(() => canonicalString(Number.NaN)).toThrow();
    expect(() => canonicalString(undefined)).toThrow(/no JSON representation/);
  });
});

describe('canonicalString fast paths', () => {
  const KEYS = ['a', 'B', 'b', '1', '10', '2', 'é', '\u20ac', '\ud83d\ude00', 'aa', '', 'ref', 'refs', '_'];
  function value(next: () => number, depth: number): unknown {
    const pick = Math.floor(next() * (depth > 3 ? 5 : 7));
    if (pick === 0) return null;
    if (pick === 1) return next() < 0.5;
    if (pick === 2) return Math.floor(next() * 2 ** 40) - 2 ** 39;
    if (pick === 3) return (next() - 0.5) * 10 ** Math.floor(next() * 30 - 15);
    if (pick === 4) return KEYS[Math.floor(next() * KEYS.length)]! + String.fromCharCode(Math.floor(next() * 0x2000));
    if (pick === 5) return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
    const out: Record<string, unknown> = {};
    for (let i = Math.floor(next() * 5); i > 0; i--) out[KEYS[Math.floor(next() * KEYS.length)]!] = value(next, depth + 1);
    return out;
  }

  test('agree with the reference canonicalize package on 2,000 generated values', () => {
    const next = random(8785);
    for (let i = 0; i < 2000; i++) {
      const v = value(next, 0);
      expect(canonicalString(v)).toBe(referenceCanonicalString(v));
    }
  });

  test('leave a value that is already in key order untouched and copy one that is not', () => {
    const ordered = { a: 1, b: { c: [1, { d: 2, e: 3 }] } };
    expect(inCanonicalOrder(ordered)).toBe(ordered);
    const unordered = { b: 1, a: 2 };
    expect(Object.keys(inCanonicalOrder(unordered))).toEqual(['a', 'b']);
  });
});
