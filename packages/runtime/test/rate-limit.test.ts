import { describe, expect, test, vi } from 'vitest';
import { defineRuntime, isActionFailure, memoryStore, type ActionFailure, type GuardStore, type Session } from '../src/index.js';
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

  test('counts calls that a later check denies (unauthenticated calls use up the caller\'s ip bucket)', async () => {
    const runtime = defineRuntime({
      session: () => null,
      headers: () => new Headers({ 'x-action-guard-client-ip': '203.0.113.5' }),
      tracing: false,
    });
    const action = meta({ policy: { rateLimit: { limit: 2, windowSeconds: 60, by: 'user' } } });
    const codes = [];
    for (let call = 0; call < 3; call++) codes.push(codeOf(await runtime.guard(action, [], async () => 'ok')));
    expect(codes).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED']);
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

  test('with the default socket setting, uses the stamped address and ignores a forged X-Forwarded-For', async () => {
    let headers = new Headers({ 'x-action-guard-client-ip': '::ffff:198.51.100.7', 'x-forwarded-for': '1.1.1.1' });
    const runtime = defineRuntime({ session: () => null, headers: () => headers, tracing: false });
    expect(await runtime.guard(byIp, [], async () => 'ok')).toBe('ok');
    headers = new Headers({ 'x-action-guard-client-ip': '198.51.100.7', 'x-forwarded-for': '2.2.2.2' });
    expect(codeOf(await runtime.guard(byIp, [], async () => 'ok'))).toBe('RATE_LIMITED');
    headers = new Headers({ 'x-action-guard-client-ip': '198.51.100.8' });
    expect(await runtime.guard(byIp, [], async () => 'ok')).toBe('ok');
  });

  test('without a stamp, puts every caller in one shared bucket and warns once', async () => {
    const log = eventLog();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    let forged = '1.1.1.1';
    const runtime = defineRuntime({ session: () => null, onEvent: log.onEvent, headers: () => new Headers({ 'x-forwarded-for': forged }), tracing: false });
    expect(await runtime.guard(byIp, [], async () => 'ok')).toBe('ok');
    forged = '9.9.9.9';
    expect(codeOf(await runtime.guard(byIp, [], async () => 'ok'))).toBe('RATE_LIMITED');
    await runtime.guard(byIp, [], async () => 'ok');
    expect(log.events.filter((event) => event.type === 'warning')).toEqual([
      expect.objectContaining({ code: 'client-ip-unavailable' }),
    ]);
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
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

  test('still counts calls denied before the claim, and answers RATE_LIMITED as the SPEC order would', async () => {
    const { store, calls } = countingStore();
    let session: Session | null = null;
    const runtime = defineRuntime({
      session: () => session,
      store,
      headers: () => new Headers({ 'x-action-guard-client-ip': '203.0.113.1' }),
      tracing: false,
    });
    const codes = [];
    for (let call = 0; call < 3; call++) codes.push(codeOf(await runtime.guard(action, [{ n: call }], async () => 'ran')));
    expect(codes).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED']);
    expect(calls).toEqual(['rateLimit', 'rateLimit', 'rateLimit']);
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
