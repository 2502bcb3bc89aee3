import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { Redis } from '@upstash/redis';
import { startRedisServer, type RedisServerHandle } from '../../../test/support/redis-server.js';
import { startUpstashRestServer, type UpstashRestServerHandle } from '../../../test/support/upstash-rest-server.js';
import { defineRuntime, isActionFailure, memoryStore, type GuardStore, type Session } from '../src/index.js';
import { redisStore, type RedisStore } from '../src/redis.js';
import { upstashStore } from '../src/upstash.js';
import { actionScope, idempotencyKeys, keyPart, rateLimitKeys } from '../src/store-keys.js';
import { meta } from './helpers.js';

let redis: RedisServerHandle;
let rest: UpstashRestServerHandle;
const opened: RedisStore[] = [];
beforeAll(async () => {
  redis = await startRedisServer();
  rest = await startUpstashRestServer({ redisPort: redis.port });
});
afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()));
  await rest?.stop();
  await redis?.stop();
});

const stores: [string, () => GuardStore][] = [
  ['the memory store', () => memoryStore()],
  [
    'the Redis store',
    () => {
      const store = redisStore({ url: redis.url, prefix: `k${crypto.randomUUID()}:`, commandTimeoutMs: 5_000, connectTimeoutMs: 10_000 });
      opened.push(store);
      return store;
    },
  ],
  [
    'the Upstash store (REST, the @upstash/redis client with its defaults)',
    () => upstashStore({ client: new Redis({ url: rest.url, token: rest.token }), prefix: `k${crypto.randomUUID()}:`, commandTimeoutMs: 5_000 }),
  ],
];

describe('store keys', () => {
  // Parts built from the characters a join or a prefix scheme would trip over.
  const alphabet = ['|', ':', '!', '{', '}', '1', '2', 'k', 'u', 'ser', 'h:', '\ud800', '\ufffd', '\udc00', '"', '\\'];
  function randomPart(random: () => number): string {
    let text = '';
    const length = Math.floor(random() * 6);
    for (let index = 0; index < length; index++) text += alphabet[Math.floor(random() * alphabet.length)];
    return text;
  }

  test('two different tuples of parts never give the same key (100,000 random tuples of separator characters)', () => {
    // mulberry32: a seeded generator, so a failure names tuples that can be replayed.
    let seed = 42;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
    const seen = new Map<string, string>();
    for (let index = 0; index < 100_000; index++) {
      const tuple = [randomPart(random), randomPart(random), randomPart(random)];
      const [action = '', id = '', key = ''] = tuple;
      // Keys go to Redis (and hashes) as UTF-8: compare their bytes, where a lone surrogate would become U+FFFD.
      const built = Buffer.from(idempotencyKeys.user(actionScope(action), id, 'k', key), 'utf8').toString('hex');
      const identity = JSON.stringify(tuple);
      const earlier = seen.get(built);
      if (earlier !== undefined && earlier !== identity) throw new Error(`${earlier} and ${identity} share a key`);
      seen.set(built, identity);
    }
    expect(seen.size).toBeGreaterThan(40_000);
  });

  test('the kinds of key never meet: a user id cannot name a global, address or anonymous bucket', () => {
    const scope = actionScope('app/a.ts#save');
    const keys = [
      rateLimitKeys.global(scope),
      rateLimitKeys.user(scope, 'global'),
      rateLimitKeys.user(scope, '|global'),
      rateLimitKeys.ip(scope, '1.2.3.4'),
      rateLimitKeys.user(scope, 'ip|7:1.2.3.4'),
      rateLimitKeys.refusedAnonymous(scope, '1.2.3.4'),
      idempotencyKeys.user(scope, 'anon', 'h', 'x'),
      idempotencyKeys.anonymous(scope, 'x'),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('a lone surrogate is escaped, never left to become U+FFFD beside a real U+FFFD', () => {
    expect(keyPart('\ud800')).not.toBe(keyPart('\ufffd'));
    expect(Buffer.from(keyPart('\ud800'), 'utf8').equals(Buffer.from(keyPart('\ufffd'), 'utf8'))).toBe(false);
  });

  test('every key of one action starts with the same hash tag, so one script never spans two Redis Cluster slots', () => {
    const scope = actionScope('app/{odd}/a.ts#save');
    const tag = (key: string) => key.slice(key.indexOf('{') + 1, key.indexOf('}', key.indexOf('{') + 1));
    const keys = [rateLimitKeys.global(scope), rateLimitKeys.user(scope, '}{'), idempotencyKeys.user(scope, '{x}', 'k', '}'), idempotencyKeys.anonymous(scope, 'h')];
    expect(new Set(keys.map(tag)).size).toBe(1);
  });
});

describe.each(stores)('crafted ids against %s', (_name, createStore) => {
  const action = meta({ policy: { dedupe: { source: 'key', name: 'key', ttlSeconds: 600 } } });

  // Before: keys were `${action}|user:${id}|k:${key}`, so the attacker "alice|k:invoice" sending key "7" and alice
  // sending key "invoice|k:7" both stored under `app/actions.ts#save|user:alice|k:invoice|k:7`: the attacker got
  // alice's stored result (her receipt) without the body running. The second pair aims at the same trick on today's
  // layout (`|user|<id>|k|<key>` without the length prefixes).
  test.each([
    ['invoice|k:7', 'alice|k:invoice', '7'],
    ['invoice|k|7', 'alice|k|invoice', '7'],
    ['1:x', 'alice|k|5:alice', 'x'],
  ])('attack: alice uses key %j; the user %j sending %j cannot replay her result', async (victimKey, attackerId, attackerKey) => {
    let session: Session = { id: 'alice' };
    const runtime = defineRuntime({ session: () => session, store: createStore(), headers: () => new Headers(), tracing: false });
    const victim = await runtime.guard(action, [{ key: victimKey }], async () => ({ receipt: 'alice-secret' }));
    expect(victim).toEqual({ receipt: 'alice-secret' });
    session = { id: attackerId };
    const body = vi.fn(async () => ({ receipt: 'attacker-own' }));
    const attacker = await runtime.guard(action, [{ key: attackerKey }], body);
    expect(attacker).toEqual({ receipt: 'attacker-own' });
    expect(body).toHaveBeenCalledTimes(1);
  });

  test('attack: a user id made of separators and digits gets a bucket of its own, not another user\'s', async () => {
    let session: Session = { id: 'bob' };
    const limited = meta({ policy: { rateLimit: { limit: 1, windowSeconds: 60, by: 'user' } } });
    const runtime = defineRuntime({ session: () => session, store: createStore(), headers: () => new Headers(), tracing: false });
    expect(await runtime.guard(limited, [], async () => 'ok')).toBe('ok');
    for (const id of ['bob|', '3:bob', '|user|3:bob', 'bob}', '{bob']) {
      session = { id };
      expect(await runtime.guard(limited, [], async () => 'ok')).toBe('ok');
    }
    session = { id: 'bob' };
    const again = await runtime.guard(limited, [], async () => 'ok');
    expect(isActionFailure(again) && again.error.code).toBe('RATE_LIMITED');
  });
});
