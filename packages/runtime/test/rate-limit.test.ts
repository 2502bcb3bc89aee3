import { describe, expect, test, vi } from 'vitest';
import {
  defineRuntime,
  isActionFailure,
  memoryStore,
  type ActionFailure,
  type GuardStore,
  type Session,
} from '../src/index.js';
import { type NormalizedPolicy } from '../src/internal.js';
import { z } from 'zod';
import { eventLog, meta } from './helpers.js';

const alice: Session = { id: 'alice' };
const bob: Session = { id: 'bob' };

function codeOf(result: unknown): string | null {
  return isActionFailure(result) ? result.error.code : null;
}

describe('rate limits', () => {
  test('admits `limit` calls per window, then returns RATE_LIMITED with retryAfter and never runs the body', async () => {
    const runtime = defineRuntime({ session: () => alice, headers: () => new Headers(), tracing: false });
    const action = meta({ policy: { rateLimit: { limit: 3, windowSeconds: 60, by: 'user' } } });
    const body = vi.fn(async () => 'ok');
    const results = [];
    for (let call = 0; call < 4; call++) results.push(await runtime.guard(action, [], body));
    expect(results.slice(0, 3)).toEqual(['ok', 'ok', 'ok']);
    const denied = results[3] as ActionFailure;
    expect(denied.error.code).toBe('RATE_LIMITED');
    expect(denied.error.retryAfter).toBeGreaterThanOrEqual(19);
    expect(denied.error.retryAfter).toBeLessThanOrEqual(20);
    expect(body).toHaveBeenCalledTimes(3);
  });

  test('admits calls again once the window has moved on', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const runtime = defineRuntime({ session: () => alice, headers: () => new Headers(), tracing: false });
      const action = meta({ policy: { rateLimit: { limit: 2, windowSeconds: 10, by: 'user' } } });
      await runtime.guard(action, [], async () => 'ok');
      await runtime.guard(action, [], async () => 'ok');
      expect(codeOf(await runtime.guard(action, [], async () => 'ok'))).toBe('RATE_LIMITED');
      vi.setSystemTime(Date.now() + 5_000);
      expect(await runtime.guard(action, [], async () => 'ok')).toBe('ok');
    } finally {
      vi.useRealTimers();
    }
  });

  test('unauthenticated calls count in no bucket: each one is answered UNAUTHENTICATED', async () => {
    const runtime = defineRuntime({
      session: () => null,
      headers: () => new Headers({ 'x-real-ip': '203.0.113.5' }),
      clientIp: { header: 'x-real-ip' },
      tracing: false,
    });
    const action = meta({ policy: { rateLimit: { limit: 2, windowSeconds: 60, by: 'user' } } });
    const codes = [];
    for (let call = 0; call < 5; call++) codes.push(codeOf(await runtime.guard(action, [], async () => 'ok')));
    expect(codes).toEqual(Array.from({ length: 5 }, () => 'UNAUTHENTICATED'));
  });

  test('keeps separate buckets per user for by:user, and one bucket for everyone with by:global', async () => {
    let current = alice;
    const runtime = defineRuntime({ session: () => current, headers: () => new Headers(), tracing: false });
    const perUser = meta({ ref: 'app/a.ts#perUser', policy: { rateLimit: { limit: 1, windowSeconds: 60, by: 'user' } } });
    const global = meta({ ref: 'app/a.ts#global', policy: { rateLimit: { limit: 1, windowSeconds: 60, by: 'global' } } });
    expect(await runtime.guard(perUser, [], async () => 'ok')).toBe('ok');
    expect(await runtime.guard(global, [], async () => 'ok')).toBe('ok');
    current = bob;
    expect(await runtime.guard(perUser, [], async () => 'ok')).toBe('ok');
    expect(codeOf(await runtime.guard(global, [], async () => 'ok'))).toBe('RATE_LIMITED');
  });

  test('limits each action separately', async () => {
    const runtime = defineRuntime({ session: () => alice, headers: () => new Headers(), tracing: false });
    const limit = { rateLimit: { limit: 1, windowSeconds: 60, by: 'user' as const } };
    expect(await runtime.guard(meta({ ref: 'app/a.ts#one', policy: limit }), [], async () => 'ok')).toBe('ok');
    expect(await runtime.guard(meta({ ref: 'app/a.ts#two', policy: limit }), [], async () => 'ok')).toBe('ok');
  });

  test('when the store is down, denies by default and says so in an event', async () => {
    const broken: GuardStore = { ...memoryStore(), kind: 'broken', rateLimit: () => Promise.reject(new Error('ECONNREFUSED')) };
    const log = eventLog();
    const runtime = defineRuntime({ session: () => alice, store: broken, onEvent: log.onEvent, headers: () => new Headers(), tracing: false });
    const body = vi.fn();
    const result = await runtime.guard(meta({ policy: { rateLimit: { limit: 5, windowSeconds: 60, by: 'user' } } }), [], body);
    expect(codeOf(result)).toBe('INTERNAL_ERROR');
    expect(body).not.toHaveBeenCalled();
    expect(log.events[0]).toMatchObject({ type: 'store-error', concern: 'rate-limit', decision: 'denied', message: 'Error: ECONNREFUSED' });
  });

  test('when the store is down and onStoreError is allow, runs the body and says so in an event', async () => {
    const broken: GuardStore = { ...memoryStore(), kind: 'broken', rateLimit: () => Promise.reject(new Error('ECONNREFUSED')) };
    const log = eventLog();
    const runtime = defineRuntime({
      session: () => alice, store: broken, onEvent: log.onEvent, headers: () => new Headers(), tracing: false,
      rateLimit: { onStoreError: 'allow' },
    });
    expect(await runtime.guard(meta({ policy: { rateLimit: { limit: 5, windowSeconds: 60, by: 'user' } } }), [], async () => 'ran')).toBe('ran');
    expect(log.events[0]).toMatchObject({ type: 'store-error', concern: 'rate-limit', decision: 'allowed' });
  });
});

describe('client IP for by:ip limits', () => {
  const byIp = meta({ policy: { auth: 'public', publicReason: 'signup', rateLimit: { limit: 1, windowSeconds: 60, by: 'ip' } } });

  test('with trustProxyHeader and a hop count, takes the address that many entries from the right', async () => {
    let xff = '6.6.6.6, 203.0.113.9';
    const runtime = defineRuntime({
      session: () => null, headers: () => new Headers({ 'x-forwarded-for': xff }), tracing: false,
      clientIp: { trustProxyHeader: 'x-forwarded-for', hops: 1 },
    });
    expect(await runtime.guard(byIp, [], async () => 'ok')).toBe('ok');
    xff = '7.7.7.7, 203.0.113.9'; // a client-chosen entry changes; what the proxy appended does not
    expect(codeOf(await runtime.guard(byIp, [], async () => 'ok'))).toBe('RATE_LIMITED');
    xff = '203.0.113.10';
    expect(await runtime.guard(byIp, [], async () => 'ok')).toBe('ok');
  });

  test('a request that skipped the trusted proxy (fewer entries than hops) has no address: the call fails, loudly', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const log = eventLog();
    const runtime = defineRuntime({
      session: () => null, headers: () => new Headers(), tracing: false, onEvent: log.onEvent,
      clientIp: { trustProxyHeader: 'x-forwarded-for', hops: 2 },
    });
    const body = vi.fn(async () => 'ok');
    expect(codeOf(await runtime.guard(byIp, [], body))).toBe('INTERNAL_ERROR');
    expect(body).not.toHaveBeenCalled();
    expect(String(error.mock.calls[0]?.[0])).toMatch(/x-forwarded-for has 0 entries, fewer than the 2 hop\(s\)/);
    error.mockRestore();
  });

  test('rejects a malformed trustProxyHeader option with what is expected', () => {
    expect(() => defineRuntime({ session: () => null, clientIp: { trustProxyHeader: 'x-forwarded-for', hops: 0 } })).toThrow(/hops" must be a positive integer/);
    expect(() => defineRuntime({ session: () => null, clientIp: { trustProxyHeader: '', hops: 1 } })).toThrow(/must name a header/);
    expect(() => defineRuntime({ session: () => null, clientIp: { trustProxyHeader: 'x-forwarded-for' } as never })).toThrow(/needs "hops"/);
    expect(() => defineRuntime({ session: () => null, clientIp: { trustProxyHeader: 'x-forwarded-for', hops: 1, hop: 1 } as never })).toThrow(
      /unknown option "clientIp.hop"/,
    );
  });

  test('with a trusted proxy hop count, takes the address that many entries from the right', async () => {
    let xff = '6.6.6.6, 203.0.113.9, 10.0.0.2';
    const runtime = defineRuntime({
      session: () => null, headers: () => new Headers({ 'x-forwarded-for': xff }), tracing: false,
      clientIp: { trustedProxy: { header: 'x-forwarded-for', hops: 2 } },
    });
    expect(await runtime.guard(byIp, [], async () => 'ok')).toBe('ok');
    xff = '7.7.7.7, 203.0.113.9, 10.0.0.2'; // the forged left-most entry changes; the client's does not
    expect(codeOf(await runtime.guard(byIp, [], async () => 'ok'))).toBe('RATE_LIMITED');
    xff = '203.0.113.10, 10.0.0.2';
    expect(await runtime.guard(byIp, [], async () => 'ok')).toBe('ok');
  });

  test('with a trusted proxy list, skips the listed proxies from the right', async () => {
    let xff = '5.5.5.5, 203.0.113.9, 10.0.0.2, 10.0.0.3';
    const runtime = defineRuntime({
      session: () => null, headers: () => new Headers({ 'x-forwarded-for': xff }), tracing: false,
      clientIp: { trustedProxy: { header: 'x-forwarded-for', proxies: ['10.0.0.2', '10.0.0.3'] } },
    });
    expect(await runtime.guard(byIp, [], async () => 'ok')).toBe('ok');
    xff = '203.0.113.9, 10.0.0.3';
    expect(codeOf(await runtime.guard(byIp, [], async () => 'ok'))).toBe('RATE_LIMITED');
  });

  test('with a named platform header, reads the address from it', async () => {
    let ip = '203.0.113.1';
    const runtime = defineRuntime({
      session: () => null, headers: () => new Headers({ 'cf-connecting-ip': ip }), tracing: false,
      clientIp: { header: 'cf-connecting-ip' },
    });
    expect(await runtime.guard(byIp, [], async () => 'ok')).toBe('ok');
    ip = '203.0.113.2';
    expect(await runtime.guard(byIp, [], async () => 'ok')).toBe('ok');
    expect(codeOf(await runtime.guard(byIp, [], async () => 'ok'))).toBe('RATE_LIMITED');
  });
});

describe('a rate-limited action with an idempotency key', () => {
  const action = meta({
    policy: {
      rateLimit: { limit: 2, windowSeconds: 60, by: 'user' },
      dedupe: { source: 'input', name: null, ttlSeconds: 60 },
    },
  });

  function countingStore() {
    const inner = memoryStore();
    const calls: string[] = [];
    const store: GuardStore = {
      kind: 'counting',
      rateLimit: (...args) => (calls.push('rateLimit'), inner.rateLimit(...args)),
      claim: (...args) => (calls.push('claim'), inner.claim(...args)),
      complete: (...args) => (calls.push('complete'), inner.complete(...args)),
      release: (...args) => (calls.push('release'), inner.release(...args)),
      rateLimitAndClaim: (...args) => (calls.push('rateLimitAndClaim'), inner.rateLimitAndClaim!(...args)),
    };
    return { store, calls };
  }

  test('checks the limit and claims the key in one store operation, then stores the result: two in all', async () => {
    const { store, calls } = countingStore();
    const runtime = defineRuntime({ session: () => alice, store, headers: () => new Headers(), tracing: false });
    expect(await runtime.guard(action, [{ n: 1 }], async () => 'ran')).toBe('ran');
    expect(calls).toEqual(['rateLimitAndClaim', 'complete']);
  });

  test('unauthenticated calls touch no store at all; a signed-in caller then gets its whole budget', async () => {
    const { store, calls } = countingStore();
    let session: Session | null = null;
    const runtime = defineRuntime({
      session: () => session,
      store,
      headers: () => new Headers({ 'x-real-ip': '203.0.113.1' }),
      clientIp: { header: 'x-real-ip' },
      tracing: false,
    });
    const codes = [];
    for (let call = 0; call < 3; call++) codes.push(codeOf(await runtime.guard(action, [{ n: call }], async () => 'ran')));
    expect(codes).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED']);
    expect(calls).toEqual([]);
    session = alice;
    const body = vi.fn(async () => 'ran');
    expect(await runtime.guard(action, [{ n: 9 }], body)).toBe('ran');
    expect(await runtime.guard(action, [{ n: 10 }], body)).toBe('ran');
    expect(codeOf(await runtime.guard(action, [{ n: 11 }], body))).toBe('RATE_LIMITED');
    expect(body).toHaveBeenCalledTimes(2);
  });

  test('makes no claim for a call over the limit, so the same input runs once the window allows it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const runtime = defineRuntime({ session: () => alice, headers: () => new Headers(), tracing: false });
      const body = vi.fn(async () => 'ran');
      await runtime.guard(action, [{ n: 1 }], body);
      await runtime.guard(action, [{ n: 2 }], body);
      expect(codeOf(await runtime.guard(action, [{ n: 3 }], body))).toBe('RATE_LIMITED');
      vi.setSystemTime(Date.now() + 31_000);
      expect(await runtime.guard(action, [{ n: 3 }], body)).toBe('ran');
      expect(body).toHaveBeenCalledTimes(3);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('refused calls never use up a bucket signed-in callers share', () => {
  const alice: Session = { id: 'alice' };
  const signedInOnly = (by: 'global' | 'user' | 'ip', extra: Partial<NormalizedPolicy> = {}) =>
    meta({ ref: `app/a.ts#${by}`, policy: { rateLimit: { limit: 3, windowSeconds: 60, by }, ...extra } });

  function runtimeWith(getSession: () => Session | null, ip: () => string | null, store: GuardStore = memoryStore()) {
    // An explicit, trusted address source, so the test controls who is at which address.
    return defineRuntime({ session: getSession, store, headers: () => new Headers(), clientIp: () => ip(), tracing: false });
  }

  test.each([
    ['by:global', 'global' as const, {}],
    ['by:global with @dedupe (one store call for limit and claim)', 'global' as const, { dedupe: { source: 'input' as const, name: null, ttlSeconds: 60 } }],
    ['by:ip, the attacker behind alice\'s address (one NAT)', 'ip' as const, {}],
    ['by:user', 'user' as const, {}],
  ])('attack: anonymous calls to a @requiresAuth action (%s) no longer lock alice out', async (_name, by, extra) => {
    // Before: the UNAUTHENTICATED calls consumed the action's bucket first (the global one, or the shared address's),
    // so 100 anonymous requests made alice's next call RATE_LIMITED. Now they count only in an anonymous bucket.
    let session: Session | null = null;
    const runtime = runtimeWith(() => session, () => '203.0.113.7');
    const action = signedInOnly(by, extra);
    for (let call = 0; call < 100; call++) await runtime.guard(action, [{ n: call }], async () => 'ran');
    session = alice;
    expect(await runtime.guard(action, [{ n: 'alice' }], async () => 'ran')).toBe('ran');
  });

  test('attack: without any trustworthy address, anonymous refusals count nowhere and still lock nobody out', async () => {
    let session: Session | null = null;
    const runtime = runtimeWith(() => session, () => null);
    const action = signedInOnly('global');
    const codes = new Set<string | null>();
    for (let call = 0; call < 50; call++) codes.add(codeOf(await runtime.guard(action, [], async () => 'ran')));
    expect([...codes]).toEqual(['UNAUTHENTICATED']);
    session = alice;
    expect(await runtime.guard(action, [], async () => 'ran')).toBe('ran');
  });

  test('attack: a signed-in user without the role cannot exhaust the global bucket of an admin-only action', async () => {
    let session: Session = { id: 'mallory', roles: ['viewer'] };
    const runtime = runtimeWith(() => session, () => '203.0.113.7');
    const action = signedInOnly('global', { roles: ['admin'] });
    const codes = [];
    for (let call = 0; call < 5; call++) codes.push(codeOf(await runtime.guard(action, [], async () => 'ran')));
    // A role refusal is decided from the session alone: it counts in no bucket (the answer never changes).
    expect(codes).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
    session = { id: 'ada', roles: ['admin'] };
    expect(await runtime.guard(action, [], async () => 'ran')).toBe('ran');
  });

  test('anonymous INVALID_INPUT on a public by:global action counts per address: one address runs out, another does not, the global bucket is untouched', async () => {
    let ip = '198.51.100.1';
    const runtime = runtimeWith(() => null, () => ip);
    const action = meta({
      ref: 'app/a.ts#publicGlobal',
      schema: z.object({ email: z.string().email() }),
      policy: { auth: 'public', publicReason: 'newsletter', rateLimit: { limit: 3, windowSeconds: 60, by: 'global' } },
    });
    const codes = [];
    for (let call = 0; call < 4; call++) codes.push(codeOf(await runtime.guard(action, [{ email: 'nope' }], async () => 'ran')));
    expect(codes).toEqual(['INVALID_INPUT', 'INVALID_INPUT', 'INVALID_INPUT', 'RATE_LIMITED']);
    ip = '198.51.100.2';
    expect(codeOf(await runtime.guard(action, [{ email: 'nope' }], async () => 'ran'))).toBe('INVALID_INPUT');
    for (let call = 0; call < 3; call++) expect(await runtime.guard(action, [{ email: 'a@example.com' }], async () => 'ran')).toBe('ran');
    expect(codeOf(await runtime.guard(action, [{ email: 'a@example.com' }], async () => 'ran'))).toBe('RATE_LIMITED');
  });

  test('signed-in callers of a by:global action still share its one bucket', async () => {
    let session: Session = alice;
    const runtime = runtimeWith(() => session, () => null);
    const action = signedInOnly('global');
    for (let call = 0; call < 3; call++) expect(await runtime.guard(action, [], async () => 'ran')).toBe('ran');
    session = { id: 'bob' };
    expect(codeOf(await runtime.guard(action, [], async () => 'ran'))).toBe('RATE_LIMITED');
  });
});
