import { describe, expect, test } from 'vitest';
import { resolveRuntimeOptions } from '../src/guard/options.js';
import { memoryStore } from '../src/index.js';
import { readNextHeaders } from '../src/next-interop.js';

describe('step 0: resolveRuntimeOptions', () => {
  test('applies every default', () => {
    const session = () => null;
    const resolved = resolveRuntimeOptions({ session });
    expect(resolved).toMatchObject({
      session,
      origin: 'next',
      headers: readNextHeaders,
      onEvent: null,
      onError: null,
      rethrowErrors: false,
      waitMs: 5_000,
      leaseMs: 60_000,
      rateLimitOnStoreError: 'deny',
      tracing: true,
    });
    expect(typeof resolved.store.claim).toBe('function');
    expect(typeof resolved.clientIp.read).toBe('function');
  });

  test('keeps what the app passed', () => {
    const store = memoryStore();
    const resolved = resolveRuntimeOptions({ session: () => null, store, idempotency: { waitMs: 10, leaseMs: 20 }, rateLimit: { onStoreError: 'allow' }, tracing: false });
    expect(resolved).toMatchObject({ store, waitMs: 10, leaseMs: 20, rateLimitOnStoreError: 'allow', tracing: false });
  });

  test('rejects unknown keys at every level, listing the valid ones', () => {
    expect(() => resolveRuntimeOptions({ session: () => null, sesion: 1 } as never)).toThrow(/unknown option "sesion"\. Valid options: session, store/);
    expect(() => resolveRuntimeOptions({ session: () => null, idempotency: { wait: 1 } } as never)).toThrow(/unknown option "idempotency\.wait"\. Valid options: waitMs, leaseMs/);
  });

  test('rejects malformed values saying what is expected', () => {
    const session = () => null;
    expect(() => resolveRuntimeOptions({} as never)).toThrow(/"session" is required/);
    expect(() => resolveRuntimeOptions({ session, store: {} as never })).toThrow(/has no rateLimit\(\)/);
    expect(() => resolveRuntimeOptions({ session, idempotency: { waitMs: -1 } })).toThrow(/"idempotency\.waitMs" must be a positive number/);
    expect(() => resolveRuntimeOptions({ session, tracing: {} as never })).toThrow(/"tracing" must be a boolean or an OpenTelemetry tracer/);
    expect(() => resolveRuntimeOptions({ session, origin: 'loose' as never })).toThrow(/"origin" must be "next" or "strict"/);
  });
});
