import { afterEach, describe, expect, test, vi } from 'vitest';
import { CLIENT_IP_HEADER, CLIENT_IP_SIGNATURE_HEADER, defineRuntime, isActionFailure } from '../src/index.js';
import { eventLog, meta } from './helpers.js';

// This file never calls registerClientIpStamp(): it is the process of an app that forgot instrumentation.ts (vitest
// runs each test file in a process of its own; the first test checks that no stamp leaked in).

const byIp = meta({ policy: { auth: 'public', publicReason: 'signup', rateLimit: { limit: 1, windowSeconds: 60, by: 'ip' } } });

function codeOf(result: unknown): string | null {
  return isActionFailure(result) ? result.error.code : null;
}

afterEach(() => {
  vi.restoreAllMocks();
});

test('no stamp is installed in this process', () => {
  expect((globalThis as Record<symbol, unknown>)[Symbol.for('action-guard.client-ip-stamp.verifier')]).toBeUndefined();
});

describe('without the instrumentation hook', () => {
  test('attack: a client-sent x-action-guard-client-ip no longer chooses the bucket; every by:ip call fails, loudly, once logged', async () => {
    // Before: the default reader trusted the header whoever sent it, so a fresh forged value per request was a
    // fresh bucket (the limit never applied), and the victim's address put the attacker in the victim's bucket.
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const log = eventLog();
    let forged = '203.0.113.1';
    const runtime = defineRuntime({
      session: () => null,
      onEvent: log.onEvent,
      headers: () => new Headers({ [CLIENT_IP_HEADER]: forged, [CLIENT_IP_SIGNATURE_HEADER]: 'made-up', 'x-forwarded-for': forged, 'x-real-ip': forged }),
      tracing: false,
    });
    const body = vi.fn(async () => 'signed up');
    const results = [];
    for (let call = 0; call < 5; call++) {
      forged = `203.0.113.${call + 10}`;
      results.push(await runtime.guard(byIp, [], body));
    }
    expect(body).not.toHaveBeenCalled();
    expect(results.map(codeOf)).toEqual(Array.from({ length: 5 }, () => 'INTERNAL_ERROR'));
    // Each failure has its own ref, also in its call event.
    const refs = results.map((result) => (isActionFailure(result) ? result.error.ref : null));
    expect(new Set(refs).size).toBe(5);
    expect(log.calls().map((event) => event.type === 'call' && event.ref)).toEqual(refs);
    // Said once, with the fix: a warning event and one console.error line.
    const warnings = log.events.filter((event) => event.type === 'warning');
    expect(warnings).toEqual([expect.objectContaining({ code: 'client-ip-unavailable', action: byIp.ref })]);
    expect(error).toHaveBeenCalledTimes(1);
    const line = String(error.mock.calls[0]?.[0]);
    expect(line).toContain('registerClientIpStamp() was not called in this process');
    expect(line).toContain("clientIp: { trustProxyHeader: 'x-forwarded-for', hops: 1 }");
    expect(warn).not.toHaveBeenCalled();
  });

  test('an anonymous caller of a public by:user action needs an address too, and fails the same way', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const runtime = defineRuntime({ session: () => null, headers: () => new Headers({ [CLIENT_IP_HEADER]: '1.1.1.1' }), tracing: false });
    const action = meta({ policy: { auth: 'public', publicReason: 'search', rateLimit: { limit: 5, windowSeconds: 60, by: 'user' } } });
    expect(codeOf(await runtime.guard(action, [], async () => 'ran'))).toBe('INTERNAL_ERROR');
  });

  test('limits that need no address keep working: by:global, and by:user for a signed-in caller', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const runtime = defineRuntime({ session: () => ({ id: 'alice' }), headers: () => new Headers(), tracing: false });
    const global = meta({ ref: 'app/a.ts#g', policy: { rateLimit: { limit: 1, windowSeconds: 60, by: 'global' } } });
    const user = meta({ ref: 'app/a.ts#u', policy: { rateLimit: { limit: 1, windowSeconds: 60, by: 'user' } } });
    expect(await runtime.guard(global, [], async () => 'ran')).toBe('ran');
    expect(await runtime.guard(user, [], async () => 'ran')).toBe('ran');
    expect(error).not.toHaveBeenCalled();
  });

  test('an explicit opt-in for a known proxy trusts that header, from the right, by hop count', async () => {
    let xff = '203.0.113.9, 10.0.0.1';
    const runtime = defineRuntime({
      session: () => null,
      headers: () => new Headers({ 'x-forwarded-for': xff }),
      clientIp: { trustProxyHeader: 'x-forwarded-for', hops: 1 },
      tracing: false,
    });
    expect(await runtime.guard(byIp, [], async () => 'ran')).toBe('ran');
    xff = '203.0.113.200, 10.0.0.1'; // the client forged its entry; the proxy's own (rightmost) is the same
    expect(codeOf(await runtime.guard(byIp, [], async () => 'ran'))).toBe('RATE_LIMITED');
  });

  test('a clientIp function decides, and one that finds nothing fails the call loudly', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const runtime = defineRuntime({ session: () => null, headers: () => new Headers(), clientIp: () => null, tracing: false });
    expect(codeOf(await runtime.guard(byIp, [], async () => 'ran'))).toBe('INTERNAL_ERROR');
    expect(String(error.mock.calls[0]?.[0])).toContain('the clientIp function returned no address');
  });
});
