import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../../test/support/redis-server.js';
import { defineRuntime, isActionFailure, memoryStore, type GuardStore, type Session } from '../src/index.js';
import { type NormalizedPolicy } from '../src/internal.js';
import { redisStore, type RedisStore } from '../src/redis.js';
import { eventLog, meta } from './helpers.js';

let redis: RedisServerHandle;
const opened: RedisStore[] = [];
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()));
  await redis?.stop();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const stores: [string, () => { store: GuardStore }][] = [
  ['the memory store', () => ({ store: memoryStore() })],
  [
    'the Redis store',
    () => {
      const store = redisStore({ url: redis.url, prefix: `a${crypto.randomUUID()}:`, commandTimeoutMs: 5_000, connectTimeoutMs: 10_000 });
      opened.push(store);
      return { store };
    },
  ],
];

function publicAction(dedupe: NonNullable<NormalizedPolicy['dedupe']>) {
  return meta({ ref: 'app/newsletter.ts#subscribe', policy: { auth: 'public', publicReason: 'newsletter', dedupe } });
}

function codeOf(result: unknown): string | null {
  return isActionFailure(result) ? result.error.code : null;
}

describe.each(stores)('anonymous callers and stored results, with %s', (_name, createStore) => {
  // Two visitors, told apart by a trusted address; neither has a session.
  function visitors() {
    const { store } = createStore();
    let ip = '198.51.100.1';
    const log = eventLog();
    const runtime = defineRuntime({ session: () => null, store, onEvent: log.onEvent, headers: () => new Headers(), clientIp: () => ip, tracing: false });
    return { runtime, log, as: (address: string) => (ip = address) };
  }

  test('attack: @public + @dedupe input no longer replays one visitor\'s result to another who sends the same input', async () => {
    // Before: the record was scoped by the caller's address (or the one shared "unknown-ip"), so a second visitor
    // behind the same NAT, or anyone at all without the stamp, sending the same email got the first visitor's result.
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { runtime, log, as } = visitors();
    const action = publicAction({ source: 'input', name: null, ttlSeconds: 600 });
    const first = vi.fn(async () => ({ unsubscribeToken: 'victim-secret' }));
    const victim = await runtime.guard(action, [{ email: 'victim@example.com' }], first);
    as('198.51.100.1');
    const attacker = await runtime.guard(action, [{ email: 'victim@example.com' }], async () => ({ unsubscribeToken: 'own' }));
    for (const result of [victim, attacker]) expect(codeOf(result)).toBe('INTERNAL_ERROR');
    expect(first).not.toHaveBeenCalled();
    expect(JSON.stringify(attacker)).not.toContain('victim-secret');
    expect(log.events.filter((event) => event.type === 'warning')).toEqual([expect.objectContaining({ code: 'dedupe-input-anonymous', action: action.ref })]);
    expect(error).toHaveBeenCalledTimes(1);
    expect(String(error.mock.calls[0]?.[0])).toContain('`@dedupe key:<field>` or `@dedupe header:<name>`');
  });

  test('attack: a guessable key is refused for anonymous callers, so nobody can fish for another visitor\'s result with it', async () => {
    const { runtime } = visitors();
    const action = publicAction({ source: 'key', name: 'key', ttlSeconds: 600 });
    const body = vi.fn(async () => 'ran');
    for (const key of ['1', 'order-1', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '0101010101010101010101', 'x'.repeat(19)]) {
      expect(codeOf(await runtime.guard(action, [{ key }], body))).toBe('IDEMPOTENCY_KEY_REQUIRED');
    }
    expect(body).not.toHaveBeenCalled();
  });

  test('attack: a second visitor with a different key never gets the first one\'s result, even from the same address', async () => {
    const { runtime } = visitors();
    const action = publicAction({ source: 'key', name: 'key', ttlSeconds: 600 });
    const victimKey = crypto.randomUUID();
    expect(await runtime.guard(action, [{ key: victimKey }], async () => ({ token: 'victim-secret' }))).toEqual({ token: 'victim-secret' });
    const attackerBody = vi.fn(async () => ({ token: 'own' }));
    // Keys that share most of the victim's: a prefix, the key with a character changed, the key in other case.
    for (const key of [crypto.randomUUID(), `${victimKey.slice(0, 30)}xxxxxx`, victimKey.toUpperCase(), `${victimKey} `]) {
      expect(await runtime.guard(action, [{ key }], attackerBody)).toEqual({ token: 'own' });
    }
    expect(attackerBody).toHaveBeenCalledTimes(4);
  });

  test('the holder of the key gets its stored result back, and the same key with other input is a mismatch', async () => {
    const { runtime, as } = visitors();
    const action = publicAction({ source: 'header', name: 'idempotency-key', ttlSeconds: 600 });
    const key = crypto.randomUUID();
    const withKey = defineRuntime({
      session: () => null,
      store: runtime.options.store,
      headers: () => new Headers({ 'idempotency-key': key }),
      clientIp: () => '198.51.100.1',
      tracing: false,
    });
    const body = vi.fn(async () => ({ subscribed: true }));
    expect(await withKey.guard(action, [{ email: 'a@example.com' }], body)).toEqual({ subscribed: true });
    as('203.0.113.50'); // a retry after the visitor's network changed still holds the key
    expect(await withKey.guard(action, [{ email: 'a@example.com' }], body)).toEqual({ subscribed: true });
    expect(codeOf(await withKey.guard(action, [{ email: 'b@example.com' }], body))).toBe('IDEMPOTENCY_KEY_MISMATCH');
    expect(body).toHaveBeenCalledTimes(1);
  });

  test('signed-in callers keep any key they like: their records are scoped by their session', async () => {
    const { store } = createStore();
    let session: Session = { id: 'alice' };
    const runtime = defineRuntime({ session: () => session, store, headers: () => new Headers(), tracing: false });
    const action = publicAction({ source: 'key', name: 'key', ttlSeconds: 600 });
    const body = vi.fn(async () => 'ran');
    await runtime.guard(action, [{ key: '1' }], body);
    await runtime.guard(action, [{ key: '1' }], body);
    session = { id: 'bob' };
    await runtime.guard(action, [{ key: '1' }], body);
    expect(body).toHaveBeenCalledTimes(2);
  });
});

test('the Redis store never holds an anonymous key itself, only its SHA-256', async () => {
  const prefix = `a${crypto.randomUUID()}:`;
  const store = redisStore({ url: redis.url, prefix, commandTimeoutMs: 5_000, connectTimeoutMs: 10_000 });
  opened.push(store);
  const runtime = defineRuntime({ session: () => null, store, headers: () => new Headers(), clientIp: () => '198.51.100.1', tracing: false });
  const key = crypto.randomUUID();
  await runtime.guard(publicAction({ source: 'key', name: 'key', ttlSeconds: 600 }), [{ key }], async () => 'ran');
  const client = createClient({ url: redis.url });
  await client.connect();
  const keys = await client.keys(`${prefix}*`);
  await client.close();
  expect(keys).toHaveLength(1);
  expect(keys[0]).not.toContain(key);
});
