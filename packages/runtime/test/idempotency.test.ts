import { redirect } from 'next/navigation.js';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { z } from 'zod';
import { startRedisServer, type RedisServerHandle } from '../../../test/support/redis-server.js';
import { defineRuntime, isActionFailure, memoryStore, type GuardStore, type RuntimeOptions, type Session } from '../src/index.js';
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

const stores: [string, () => GuardStore][] = [
  ['the memory store', () => memoryStore()],
  [
    'the Redis store',
    () => {
      // A fresh prefix per test keeps tests independent on the shared server.
      // Generous timeouts: these tests are about semantics, not outages, and CI machines are busy.
      const store = redisStore({ url: redis.url, prefix: `t${crypto.randomUUID()}:`, commandTimeoutMs: 5_000, connectTimeoutMs: 10_000 });
      opened.push(store);
      return store;
    },
  ],
];

const alice: Session = { id: 'alice' };
const schema = z.object({ amount: z.coerce.number(), key: z.string().optional() });

function dedupe(overrides: Partial<NonNullable<NormalizedPolicy['dedupe']>> = {}): Partial<NormalizedPolicy> {
  return { dedupe: { source: 'key', name: 'key', ttlSeconds: 600, ...overrides } };
}

function codeOf(result: unknown): string | null {
  return isActionFailure(result) ? result.error.code : null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe.each(stores)('idempotency with %s', (_name, createStore) => {
  function runtimeWith(options: Partial<RuntimeOptions> = {}) {
    return defineRuntime({ session: () => alice, store: createStore(), headers: () => new Headers(), tracing: false, ...options });
  }

  test('runs the body once per key and replays its result, round-tripping Date, Map, Set, BigInt, undefined and NaN', async () => {
    const log = eventLog();
    const runtime = runtimeWith({ onEvent: log.onEvent });
    const returned = {
      at: new Date('2026-11-22T02:00:00Z'),
      totals: new Map([['eur', 10n ** 20n]]),
      tags: new Set(['a', 'b']),
      missing: undefined,
      ratio: Number.NaN,
      nested: { list: [1, { deep: -0 }] },
    };
    const body = vi.fn(async () => returned);
    const action = meta({ schema, policy: dedupe() });
    const first = await runtime.guard(action, [{ amount: 5, key: 'k-1' }], body);
    const second = await runtime.guard(action, [{ amount: 5, key: 'k-1' }], body);
    expect(body).toHaveBeenCalledTimes(1);
    expect(first).toBe(returned);
    expect(second).toEqual(returned);
    expect(second).not.toBe(returned);
    expect(Object.prototype.hasOwnProperty.call(second, 'missing')).toBe(true);
    expect(Object.is((second as unknown as { nested: { list: [number, { deep: number }] } }).nested.list[1].deep, -0)).toBe(true);
    expect(log.calls().map((event) => (event.type === 'call' ? event.outcome : null))).toEqual(['ok', 'replayed']);
  });

  test('returns IDEMPOTENCY_KEY_MISMATCH when the key comes back with a different input', async () => {
    const runtime = runtimeWith();
    const action = meta({ schema, policy: dedupe() });
    await runtime.guard(action, [{ amount: 5, key: 'k-1' }], async () => 'paid 5');
    const body = vi.fn();
    expect(codeOf(await runtime.guard(action, [{ amount: 6, key: 'k-1' }], body))).toBe('IDEMPOTENCY_KEY_MISMATCH');
    expect(body).not.toHaveBeenCalled();
  });

  test('returns IDEMPOTENCY_KEY_REQUIRED when the key field or header is missing', async () => {
    const runtime = runtimeWith();
    const body = vi.fn();
    expect(codeOf(await runtime.guard(meta({ schema, policy: dedupe() }), [{ amount: 5 }], body))).toBe('IDEMPOTENCY_KEY_REQUIRED');
    expect(codeOf(await runtime.guard(meta({ schema, policy: dedupe({ source: 'header', name: 'Idempotency-Key' }) }), [{ amount: 5 }], body))).toBe(
      'IDEMPOTENCY_KEY_REQUIRED',
    );
    expect(body).not.toHaveBeenCalled();
  });

  test('reads the key from a request header, and from a form field of a FormData', async () => {
    const runtime = runtimeWith({ headers: () => new Headers({ 'idempotency-key': 'h-1' }) });
    const body = vi.fn(async () => 'ran');
    const byHeader = meta({ schema, policy: dedupe({ source: 'header', name: 'Idempotency-Key' }) });
    await runtime.guard(byHeader, [{ amount: 1 }], body);
    await runtime.guard(byHeader, [{ amount: 1 }], body);
    const form = new FormData();
    form.append('amount', '2');
    form.append('key', 'f-1');
    const byField = meta({ ref: 'app/actions.ts#other', schema, policy: dedupe() });
    await runtime.guard(byField, [form], body);
    await runtime.guard(byField, [form], body);
    expect(body).toHaveBeenCalledTimes(2);
  });

  test('with the input source, replays an identical input and runs a different one', async () => {
    const runtime = runtimeWith();
    const body = vi.fn(async () => 'ran');
    const action = meta({ schema, policy: dedupe({ source: 'input', name: null }) });
    await runtime.guard(action, [{ amount: 1 }], body);
    await runtime.guard(action, [{ amount: 1 }], body);
    await runtime.guard(action, [{ amount: 2 }], body);
    expect(body).toHaveBeenCalledTimes(2);
  });

  test('scopes keys by principal and by action', async () => {
    let session = alice;
    const store = createStore();
    const runtime = defineRuntime({ session: () => session, store, headers: () => new Headers(), tracing: false });
    const body = vi.fn(async () => 'ran');
    await runtime.guard(meta({ schema, policy: dedupe() }), [{ amount: 1, key: 'same' }], body);
    await runtime.guard(meta({ ref: 'app/actions.ts#refund', schema, policy: dedupe() }), [{ amount: 1, key: 'same' }], body);
    session = { id: 'bob' };
    await runtime.guard(meta({ schema, policy: dedupe() }), [{ amount: 1, key: 'same' }], body);
    expect(body).toHaveBeenCalledTimes(3);
  });

  test('50 concurrent identical calls with one key run the body exactly once and all get its result', async () => {
    const runtime = runtimeWith();
    let executions = 0;
    const action = meta({ schema, policy: dedupe() });
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        runtime.guard(action, [{ amount: 9, key: 'burst' }], async () => {
          executions++;
          await sleep(50);
          return { charged: 9 };
        }),
      ),
    );
    expect(executions).toBe(1);
    expect(results).toEqual(Array.from({ length: 50 }, () => ({ charged: 9 })));
  });

  test('a repeat that waits longer than waitMs gets IDEMPOTENCY_KEY_IN_USE', async () => {
    const runtime = runtimeWith({ idempotency: { waitMs: 100 } });
    const action = meta({ schema, policy: dedupe() });
    const slow = runtime.guard(action, [{ amount: 1, key: 'slow' }], async () => {
      await sleep(400);
      return 'done';
    });
    await sleep(20);
    const repeat = await runtime.guard(action, [{ amount: 1, key: 'slow' }], async () => 'second');
    expect(codeOf(repeat)).toBe('IDEMPOTENCY_KEY_IN_USE');
    expect(isActionFailure(repeat) && repeat.error.retryAfter).toBe(1);
    expect(await slow).toBe('done');
  });

  test('a body that throws releases the key so a retry runs', async () => {
    const runtime = runtimeWith();
    const action = meta({ schema, policy: dedupe() });
    const first = await runtime.guard(action, [{ amount: 1, key: 'retry' }], async () => {
      throw new Error('card declined');
    });
    expect(codeOf(first)).toBe('INTERNAL_ERROR');
    expect(await runtime.guard(action, [{ amount: 1, key: 'retry' }], async () => 'charged')).toBe('charged');
  });

  test('a body that redirects is stored, and the repeat redirects the same way without running the body', async () => {
    const runtime = runtimeWith();
    const action = meta({ schema, policy: dedupe() });
    const body = vi.fn(async () => redirect('/invoices/42'));
    const first = await runtime.guard(action, [{ amount: 1, key: 'r' }], body).catch((error: { digest: string }) => error.digest);
    const second = await runtime.guard(action, [{ amount: 1, key: 'r' }], body).catch((error: { digest: string }) => error.digest);
    expect(first).toMatch(/^NEXT_REDIRECT;.*;\/invoices\/42;307;$/);
    expect(second).toBe(first);
    expect(body).toHaveBeenCalledTimes(1);
  });

  test('forgets a key after its TTL, so the same key runs again', async () => {
    const runtime = runtimeWith();
    const body = vi.fn(async () => 'ran');
    const action = meta({ schema, policy: dedupe({ ttlSeconds: 1 }) });
    await runtime.guard(action, [{ amount: 1, key: 'ttl' }], body);
    await sleep(1_100);
    await runtime.guard(action, [{ amount: 1, key: 'ttl' }], body);
    expect(body).toHaveBeenCalledTimes(2);
  });

  test('fences out a late finisher whose claim expired: it cannot overwrite the result of the run that took over', async () => {
    const log = eventLog();
    const runtime = runtimeWith({ onEvent: log.onEvent, idempotency: { leaseMs: 100, waitMs: 5_000 } });
    const action = meta({ schema, policy: dedupe() });
    const late = runtime.guard(action, [{ amount: 1, key: 'fence' }], async () => {
      await sleep(400);
      return 'late';
    });
    await sleep(200);
    expect(await runtime.guard(action, [{ amount: 1, key: 'fence' }], async () => 'took over')).toBe('took over');
    expect(await late).toBe('late');
    expect(await runtime.guard(action, [{ amount: 1, key: 'fence' }], async () => 'third')).toBe('took over');
    expect(log.events).toContainEqual(expect.objectContaining({ type: 'warning', code: 'idempotency-fence-lost' }));
  });

  test('a result that cannot be stored still runs once; repeats get INTERNAL_ERROR and an event says why', async () => {
    const log = eventLog();
    const runtime = runtimeWith({ onEvent: log.onEvent });
    const action = meta({ schema, policy: dedupe() });
    class Receipt {
      constructor(readonly id: string) {}
    }
    const body = vi.fn(async () => new Receipt('r1'));
    expect(await runtime.guard(action, [{ amount: 1, key: 'u' }], body)).toEqual(new Receipt('r1'));
    expect(codeOf(await runtime.guard(action, [{ amount: 1, key: 'u' }], body))).toBe('INTERNAL_ERROR');
    expect(body).toHaveBeenCalledTimes(1);
    expect(log.events).toContainEqual(expect.objectContaining({ code: 'idempotency-result-unserializable' }));
  });
});

test('when the store cannot be reached, idempotency fails closed with INTERNAL_ERROR and an event', async () => {
  const broken: GuardStore = { ...memoryStore(), kind: 'broken', claim: () => Promise.reject(new Error('ECONNRESET')) };
  const log = eventLog();
  const runtime = defineRuntime({ session: () => alice, store: broken, onEvent: log.onEvent, headers: () => new Headers(), tracing: false });
  const body = vi.fn();
  const result = await runtime.guard(meta({ schema, policy: dedupe() }), [{ amount: 1, key: 'k' }], body);
  expect(codeOf(result)).toBe('INTERNAL_ERROR');
  expect(body).not.toHaveBeenCalled();
  expect(log.events[0]).toMatchObject({ type: 'store-error', concern: 'idempotency', decision: 'denied' });
});

test('fingerprints uploaded files by their bytes: the same upload replays, a different file with the same name runs', async () => {
  const runtime = defineRuntime({ session: () => alice, headers: () => new Headers(), tracing: false });
  const action = meta({ policy: { dedupe: { source: 'input', name: null, ttlSeconds: 60 } } });
  const upload = (bytes: string) => {
    const form = new FormData();
    form.append('avatar', new File([bytes], 'me.png', { type: 'image/png' }));
    return form;
  };
  const body = vi.fn(async () => 'stored');
  await runtime.guard(action, [upload('first image')], body);
  await runtime.guard(action, [upload('first image')], body);
  await runtime.guard(action, [upload('other image')], body);
  expect(body).toHaveBeenCalledTimes(2);
});
