import { describe, expect, test } from 'vitest';
import { canonicalEncode, deserializeResult, fingerprintInput, serializeResult } from '../src/idempotency.js';

describe('input fingerprints', () => {
  test('do not depend on key order, Map entry order or Set member order', () => {
    expect(fingerprintInput({ a: 1, b: [1, 2], m: new Map([['x', 1], ['y', 2]]), s: new Set([1, 2]) })).toBe(
      fingerprintInput({ s: new Set([2, 1]), m: new Map([['y', 2], ['x', 1]]), b: [1, 2], a: 1 }),
    );
  });

  test('tell apart values that JSON would confuse', () => {
    const encodings = [1, '1', 1n, true, 'true', null, undefined, [], {}, new Date(0), 0, -0, Number.NaN].map((value) => canonicalEncode(value));
    expect(new Set(encodings).size).toBe(encodings.length);
    expect(fingerprintInput([1, 2])).not.toBe(fingerprintInput([2, 1]));
  });

  test('quote strings exactly as JSON does, so quotes and separators cannot forge structure', () => {
    for (const text of ['plain', 'a"b', 'back\\slash', 'line\nbreak', '\u2028', '😀', '\ud800', 'k":1,"x']) {
      expect(canonicalEncode(text)).toBe(JSON.stringify(text));
    }
    expect(canonicalEncode({ a: 'x","b":"y' })).not.toBe(canonicalEncode({ a: 'x', b: 'y' }));
  });

  test('encode a cycle without looping forever', () => {
    const node: { self?: unknown } = {};
    node.self = node;
    expect(canonicalEncode(node)).toBe('{"self":cycle}');
  });
});

test('stored results round-trip what Server Actions return', () => {
  const value = { when: new Date(5), big: 2n ** 70n, gone: undefined, nan: Number.NaN, set: new Set([1]), map: new Map([[1, { deep: [null] }]]) };
  expect(deserializeResult(serializeResult(value)!)).toEqual(value);
  expect(serializeResult(() => 1)).toBeNull();
});
