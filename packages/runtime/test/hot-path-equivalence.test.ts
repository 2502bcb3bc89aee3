import { parse, stringify } from 'devalue';
import { describe, expect, test } from 'vitest';
import { defineRuntime, memoryStore } from '../src/index.js';
import { canonicalEncode, deserializeResult, serializeResult } from '../src/idempotency.js';
import { meta } from './helpers.js';

describe('input fingerprints across releases', () => {
  test('encode a value to exactly the bytes earlier releases wrote (instances of two releases share a store)', () => {
    const value = {
      title: 'Hé "x"',
      qty: 3,
      n: [1, , -0, Number.NaN, 2n, null, undefined, true],
      when: new Date(0),
      m: new Map<unknown, unknown>([['b', 1], ['a', { z: 1, y: [2] }]]),
      s: new Set(['y', 'x']),
      nested: { b: { c: 'd' }, a: '\u2028' },
    };
    expect(canonicalEncode(value)).toBe(
      '{"m":M{"a"=>{"y":[n2],"z":n1},"b"=>n1},"n":[n1,,n-0,nNaN,i2,null,u,t],"nested":{"a":"\u2028","b":{"c":"d"}},' +
        '"qty":n3,"s":S{"x","y"},"title":"Hé \\"x\\"","when":D0}',
    );
  });
});

describe('stored results', () => {
  const shared = { s: 1 };
  const cyclic: Record<string, unknown> = { a: shared, b: shared, list: [shared] };
  (cyclic.list as unknown[]).push(cyclic);
  const plain: unknown[] = [
    undefined, null, 0, -0, 1.5, 1e21, Number.NaN, Number.POSITIVE_INFINITY, -Infinity, '', 'a<b', '\ud800', true,
    { saved: 8 }, [1, undefined, 'x'], { a: { b: [{ c: null }] } }, cyclic,
  ];
  test.each(plain.map((value) => [value]))('plain data (%o) reads back as devalue would return it', (value) => {
    const text = serializeResult(value);
    expect(text).not.toBeNull();
    const back = deserializeResult(text!);
    expect(back).toEqual(parse(stringify(value)));
    expect(stringify(back)).toBe(stringify(value)); // same shared references and cycles
  });

  test('what devalue refuses is refused, and what only devalue handles still goes through devalue', () => {
    for (const refused of [{ [Symbol('s')]: 1 }, JSON.parse('{"__proto__":1}'), { then() {} }, () => 1, new (class Row { id = 1 })()]) {
      expect(serializeResult(refused)).toBeNull();
    }
    const rich = { when: new Date(5), big: 2n ** 70n, set: new Set([1]), map: new Map([[1, 2]]), hole: [1, , 3], bare: Object.create(null) };
    expect(deserializeResult(serializeResult(rich)!)).toEqual(parse(stringify(rich)));
  });
});

test('a memory store method replaced after defineRuntime() is the one the guard calls', async () => {
  const store = memoryStore();
  const runtime = defineRuntime({ session: () => ({ id: 'u' }), store, headers: () => new Headers(), tracing: false });
  const action = meta({ policy: { dedupe: { source: 'input', name: null, ttlSeconds: 60 }, rateLimit: { limit: 5, windowSeconds: 60, by: 'user' } } });
  const calls: string[] = [];
  const original = store.rateLimitAndClaim!;
  store.rateLimitAndClaim = (...args) => (calls.push('replaced'), original(...args));
  expect(await runtime.guard(action, [{ a: 1 }], async () => 'ran')).toBe('ran');
  expect(calls).toEqual(['replaced']);
});
