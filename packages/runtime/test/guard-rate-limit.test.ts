import { describe, expect, test } from 'vitest';
import { CallRateLimit } from '../src/guard/rate-limit.js';
import type { GuardStore } from '../src/index.js';
import { memoryStore } from '../src/index.js';
import { actionScope, rateLimitKeys } from '../src/store-keys.js';
import { meta } from './helpers.js';
import { denialOf, stepCall, stepContext } from './step-helpers.js';

const scope = actionScope('app/actions.ts#save');
const alice = { id: 'alice' };

describe('step 6: CallRateLimit', () => {
  test("a signed-in caller's by:user bucket is charged first; with an idempotency key the admitted charge rides on the claim", () => {
    const context = stepContext();
    const byUser = meta({ policy: { rateLimit: { limit: 1, windowSeconds: 60, by: 'user' } } });
    const own = new CallRateLimit(context, stepCall(byUser, alice), byUser.policy.rateLimit!);
    expect([own.ownBucketFirst, own.mergeWithClaim]).toEqual([true, false]);
    const dedupe = meta({ policy: { rateLimit: { limit: 1, windowSeconds: 60, by: 'global' }, dedupe: { source: 'key', name: 'k', ttlSeconds: 60 } } });
    const merged = new CallRateLimit(context, stepCall(dedupe, alice), dedupe.policy.rateLimit!);
    expect([merged.ownBucketFirst, merged.mergeWithClaim]).toEqual([false, true]);
    // A store without rateLimitAndClaim charges separately.
    const { rateLimitAndClaim: _omitted, ...plain } = memoryStore();
    const separate = new CallRateLimit(stepContext({ store: plain as GuardStore }), stepCall(dedupe, alice), dedupe.policy.rateLimit!);
    expect(separate.mergeWithClaim).toBe(false);
  });

  test('charges synchronously on the memory store, once, and denies RATE_LIMITED when the bucket is spent', () => {
    const context = stepContext();
    const limited = meta({ policy: { rateLimit: { limit: 1, windowSeconds: 60, by: 'user' } } });
    const first = new CallRateLimit(context, stepCall(limited, alice), limited.policy.rateLimit!);
    expect(first.charge()).toBeUndefined();
    expect(first.pending).toBe(false);
    expect(first.chargeRefused()).toBeUndefined(); // already charged: nothing more
    const second = new CallRateLimit(context, stepCall(limited, alice), limited.policy.rateLimit!);
    expect(denialOf(() => second.charge())).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfter: expect.any(Number) } });
  });

  test("names the action's bucket for an admitted call, and only the caller's own for a refused one", async () => {
    const context = stepContext({ clientIp: { trustProxyHeader: 'x-forwarded-for', hops: 1 }, headers: () => new Headers({ 'x-forwarded-for': '203.0.113.9' }) });
    const global = meta({ policy: { rateLimit: { limit: 5, windowSeconds: 60, by: 'global' } } });
    expect(new CallRateLimit(context, stepCall(global, alice), global.policy.rateLimit!).key()).toBe(rateLimitKeys.global(scope));
    const byIp = meta({ policy: { auth: 'public', rateLimit: { limit: 5, windowSeconds: 60, by: 'ip' } } });
    expect(await new CallRateLimit(context, stepCall(byIp), byIp.policy.rateLimit!).key()).toBe(rateLimitKeys.ip(scope, '203.0.113.9'));

    const refusedUser = new CallRateLimit(context, stepCall(global, alice), global.policy.rateLimit!);
    await refusedUser.chargeRefused();
    expect(refusedUser.key()).toBe(rateLimitKeys.user(scope, 'alice'));
    const refusedAnonymous = new CallRateLimit(context, stepCall(byIp), byIp.policy.rateLimit!);
    await refusedAnonymous.chargeRefused();
    expect(await refusedAnonymous.key()).toBe(rateLimitKeys.refusedAnonymous(scope, '203.0.113.9'));
  });

  test('a store outage fails closed by default and open with onStoreError allow, with an event either way', async () => {
    const broken = { ...memoryStore(), rateLimit: async () => Promise.reject(new Error('down')) } as GuardStore;
    const limited = meta({ policy: { rateLimit: { limit: 5, windowSeconds: 60, by: 'user' } } });
    const closed = stepContext({ store: broken });
    const error = await (new CallRateLimit(closed, stepCall(limited, alice), limited.policy.rateLimit!).charge() as Promise<void>).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ failure: { error: { code: 'INTERNAL_ERROR' } }, outcome: 'error' });
    expect(closed.events).toEqual([{ type: 'store-error', action: 'app/actions.ts#save', concern: 'rate-limit', decision: 'denied', message: 'Error: down' }]);
    const open = stepContext({ store: broken, rateLimit: { onStoreError: 'allow' } });
    await expect(new CallRateLimit(open, stepCall(limited, alice), limited.policy.rateLimit!).charge()).resolves.toBeUndefined();
    expect(open.events).toMatchObject([{ type: 'store-error', decision: 'allowed' }]);
  });
});
