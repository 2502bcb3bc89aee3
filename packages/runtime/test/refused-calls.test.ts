import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { z } from 'zod';
import { startRedisServer, type RedisServerHandle } from '../../../test/support/redis-server.js';
import { defineRuntime, isActionFailure, memoryStore, type AuthorizeFn, type GuardStore, type Session } from '../src/index.js';
import { type NormalizedPolicy } from '../src/internal.js';
import { redisStore, type RedisStore } from '../src/redis.js';
import { meta } from './helpers.js';

// Issue #14 item 8, from the attacker's side: a refused call may only spend a bucket of the caller's own. Every case
// runs against the memory store (its synchronous path) and a real redis-server (the Lua scripts).

let redis: RedisServerHandle;
const opened: RedisStore[] = [];
beforeAll(async () => {
  redis = await startRedisServer();
}, 120_000);
afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()));
  await redis?.stop();
});

const stores: [string, () => GuardStore][] = [
  ['memory store', () => memoryStore()],
  [
    'Redis store',
    () => {
      const store = redisStore({ url: redis.url, prefix: `r${crypto.randomUUID()}:`, commandTimeoutMs: 5_000, connectTimeoutMs: 10_000 });
      opened.push(store);
      return store;
    },
  ],
];

function codeOf(result: unknown): string | null {
  return isActionFailure(result) ? result.error.code : (result as string);
}

const limit3 = (by: 'global' | 'user' | 'ip', extra: Partial<NormalizedPolicy> = {}): Partial<NormalizedPolicy> => ({
  rateLimit: { limit: 3, windowSeconds: 60, by },
  ...extra,
});

/** A runtime whose caller (session and address) the test sets between calls. */
function attackRuntime(store: GuardStore) {
  const caller: { session: Session | null; ip: string | null } = { session: null, ip: '203.0.113.66' };
  const runtime = defineRuntime({
    session: () => caller.session,
    store,
    headers: () => new Headers(),
    clientIp: () => caller.ip,
    tracing: false,
    idempotency: { waitMs: 200 },
  });
  return { runtime, caller };
}

describe.each(stores)('refused calls spend only the caller\'s own budget (%s)', (_name, makeStore) => {
  test.each(['global', 'user', 'ip'] as const)(
    '@requiresAuth by:%s: ten anonymous calls are all UNAUTHENTICATED, then alice gets the whole budget (3 runs, then RATE_LIMITED)',
    async (by) => {
      const { runtime, caller } = attackRuntime(makeStore());
      const action = meta({ ref: `app/digest.ts#send_${by}`, policy: limit3(by) });
      const body = vi.fn(async () => 'ran');
      const anonymous = [];
      for (let call = 0; call < 10; call++) anonymous.push(codeOf(await runtime.guard(action, [], body)));
      expect(anonymous).toEqual(Array.from({ length: 10 }, () => 'UNAUTHENTICATED'));
      caller.session = { id: 'alice' };
      const signedIn = [];
      for (let call = 0; call < 4; call++) signedIn.push(codeOf(await runtime.guard(action, [], body)));
      expect(signedIn).toEqual(['ran', 'ran', 'ran', 'RATE_LIMITED']);
      expect(body).toHaveBeenCalledTimes(3);
    },
  );

  test('@requiresAuth by:user: an anonymous flood from 200 addresses (with and without an address) locks nobody out', async () => {
    const { runtime, caller } = attackRuntime(makeStore());
    const action = meta({ ref: 'app/feed.ts#refresh', policy: limit3('user', { dedupe: { source: 'input', name: null, ttlSeconds: 60 } }) });
    const codes = new Set<string | null>();
    for (let call = 0; call < 200; call++) {
      caller.ip = call % 2 === 0 ? `198.51.100.${call % 250}` : null;
      codes.add(codeOf(await runtime.guard(action, [{ n: call }], async () => 'ran')));
    }
    expect([...codes]).toEqual(['UNAUTHENTICATED']);
    for (const id of ['alice', 'bob']) {
      caller.session = { id };
      for (let call = 0; call < 3; call++) expect(await runtime.guard(action, [{ n: call }], async () => 'ran')).toBe('ran');
    }
  });

  test.each([
    ['by:global', limit3('global')],
    ['by:global with @dedupe (limit and claim in one store call)', limit3('global', { dedupe: { source: 'key', name: 'key', ttlSeconds: 60 } })],
    ['by:ip, mallory behind alice\'s address', limit3('ip')],
  ])('@authorize refusals (%s) spend mallory\'s own budget, never the shared one', async (_title, policy) => {
    const { runtime, caller } = attackRuntime(makeStore());
    const authorize: AuthorizeFn = ({ session }) => session.id === 'alice';
    const authorizeSpy = vi.fn(authorize);
    const action = meta({ ref: 'app/invoices.ts#pay', policy, schema: z.object({ key: z.string() }), authorize: authorizeSpy });
    const body = vi.fn(async () => 'ran');
    caller.session = { id: 'mallory' };
    const refused = [];
    for (let call = 0; call < 6; call++) refused.push(codeOf(await runtime.guard(action, [{ key: `m-${call}` }], body)));
    // FORBIDDEN until mallory's own bucket is spent; from then on she learns nothing more.
    expect(refused).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
    caller.session = { id: 'alice' };
    const admitted = [];
    for (let call = 0; call < 4; call++) admitted.push(codeOf(await runtime.guard(action, [{ key: `a-${call}` }], body)));
    expect(admitted).toEqual(['ran', 'ran', 'ran', 'RATE_LIMITED']);
    expect(body).toHaveBeenCalledTimes(3);
  });

  test('a signed-in caller\'s INVALID_INPUT on a by:global action spends its own bucket, not the global one', async () => {
    const { runtime, caller } = attackRuntime(makeStore());
    const action = meta({ ref: 'app/digest.ts#schedule', policy: limit3('global'), schema: z.object({ hour: z.number().int().min(0).max(23) }) });
    caller.session = { id: 'mallory' };
    const refused = [];
    for (let call = 0; call < 5; call++) refused.push(codeOf(await runtime.guard(action, [{ hour: 99 }], async () => 'ran')));
    expect(refused).toEqual(['INVALID_INPUT', 'INVALID_INPUT', 'INVALID_INPUT', 'RATE_LIMITED', 'RATE_LIMITED']);
    caller.session = { id: 'alice' };
    for (let call = 0; call < 3; call++) expect(await runtime.guard(action, [{ hour: call }], async () => 'ran')).toBe('ran');
    expect(codeOf(await runtime.guard(action, [{ hour: 4 }], async () => 'ran'))).toBe('RATE_LIMITED');
  });

  test('a call refused by @authorize or validation claims no idempotency key: the same key runs once the call is admitted', async () => {
    const { runtime, caller } = attackRuntime(makeStore());
    let allowed = false;
    const action = meta({
      ref: 'app/invoices.ts#refund',
      policy: limit3('global', { dedupe: { source: 'key', name: 'key', ttlSeconds: 60 } }),
      schema: z.object({ key: z.string(), amount: z.number().positive() }),
      authorize: () => allowed,
    });
    const body = vi.fn(async () => 'ran');
    caller.session = { id: 'alice' };
    expect(codeOf(await runtime.guard(action, [{ key: 'k-1', amount: 5 }], body))).toBe('FORBIDDEN');
    expect(codeOf(await runtime.guard(action, [{ key: 'k-1', amount: -1 }], body))).toBe('INVALID_INPUT');
    allowed = true;
    // Claimed by a refused call, this would wait and answer IDEMPOTENCY_KEY_IN_USE (or replay a result never made).
    expect(await runtime.guard(action, [{ key: 'k-1', amount: 5 }], body)).toBe('ran');
    expect(await runtime.guard(action, [{ key: 'k-1', amount: 5 }], body)).toBe('ran');
    expect(body).toHaveBeenCalledTimes(1);
  });

  test('an anonymous caller\'s INVALID_INPUT on a public action counts per address; without an address, nowhere', async () => {
    const { runtime, caller } = attackRuntime(makeStore());
    const action = meta({
      ref: 'app/newsletter.ts#subscribe',
      policy: { auth: 'public', publicReason: 'newsletter', rateLimit: { limit: 3, windowSeconds: 60, by: 'ip' } },
      schema: z.object({ email: z.string().email() }),
    });
    const refused = [];
    for (let call = 0; call < 4; call++) refused.push(codeOf(await runtime.guard(action, [{ email: 'x' }], async () => 'ran')));
    expect(refused).toEqual(['INVALID_INPUT', 'INVALID_INPUT', 'INVALID_INPUT', 'RATE_LIMITED']);
    // The address's by:ip bucket (what admitted calls, and signed-in users behind it, spend) is untouched.
    for (let call = 0; call < 3; call++) expect(await runtime.guard(action, [{ email: `r${call}@example.com` }], async () => 'ran')).toBe('ran');
    caller.ip = null;
    for (let call = 0; call < 5; call++) expect(codeOf(await runtime.guard(action, [{ email: 'x' }], async () => 'ran'))).toBe('INVALID_INPUT');
  });
});
