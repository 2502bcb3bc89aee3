import { describe, expect, test } from 'vitest';
import { canonicalBytes, canonicalString, digestCanonical } from '../src/canonical-bytes.js';

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
