import { describe, expect, test } from 'vitest';
import { claimRecord, completeClaim, idempotencyRecord, MAX_PLAIN_KEY_LENGTH, releaseClaim } from '../src/guard/idempotency-claim.js';
import { CallRateLimit } from '../src/guard/rate-limit.js';
import { fingerprintInput, serializeResult, sha256Hex } from '../src/idempotency.js';
import { memoryStore, type GuardStore } from '../src/index.js';
import { actionScope, idempotencyKeys, recordOwners } from '../src/store-keys.js';
import { meta } from './helpers.js';
import { denialOf, stepCall, stepContext } from './step-helpers.js';

const dedupeByKey = { source: 'key' as const, name: 'key', ttlSeconds: 60 };
const byKey = meta({ policy: { dedupe: dedupeByKey } });
const scope = actionScope('app/actions.ts#save');
const alice = { id: 'alice' };
const validated = (input: Record<string, unknown>) => ({ schemas: [], rawInput: input, input, inputs: [input], args: [input] });

describe('step 7: idempotencyRecord', () => {
  test("a signed-in caller's plain key gives its record synchronously", () => {
    const input = { key: 'k1', qty: 1 };
    const result = idempotencyRecord(stepContext(), stepCall(byKey, alice), validated(input), dedupeByKey);
    expect(result).toEqual({
      ok: true,
      record: { storeKey: idempotencyKeys.user(scope, 'alice', 'k', 'k1'), owner: recordOwners.user('alice'), fingerprint: fingerprintInput(input), ttlMs: 60_000 },
    });
  });

  test('a long key is stored as its SHA-256', async () => {
    const key = 'x'.repeat(MAX_PLAIN_KEY_LENGTH + 1);
    const result = await idempotencyRecord(stepContext(), stepCall(byKey, alice), validated({ key }), dedupeByKey);
    expect(result).toMatchObject({ ok: true, record: { storeKey: idempotencyKeys.user(scope, 'alice', 'h', await sha256Hex(key)) } });
  });

  test('a missing or blank key is IDEMPOTENCY_KEY_REQUIRED; so is a guessable key from an anonymous caller', async () => {
    expect(idempotencyRecord(stepContext(), stepCall(byKey, alice), validated({ key: '  ' }), dedupeByKey)).toEqual({ ok: false, refusal: 'IDEMPOTENCY_KEY_REQUIRED' });
    expect(await idempotencyRecord(stepContext(), stepCall(byKey), validated({ key: 'aaaa' }), dedupeByKey)).toEqual({ ok: false, refusal: 'IDEMPOTENCY_KEY_REQUIRED' });
  });

  test('an anonymous caller with an unguessable key gets a record bound to its hash; `@dedupe input` without a session gets none', async () => {
    const key = crypto.randomUUID();
    expect(await idempotencyRecord(stepContext(), stepCall(byKey), validated({ key }), dedupeByKey)).toMatchObject({
      ok: true,
      record: { storeKey: idempotencyKeys.anonymous(scope, await sha256Hex(key)), owner: recordOwners.anonymous(null) },
    });
    const byInput = { source: 'input' as const, name: null, ttlSeconds: 60 };
    expect(await idempotencyRecord(stepContext(), stepCall(meta({ policy: { dedupe: byInput } })), validated({ a: 1 }), byInput)).toEqual({ ok: false, refusal: 'anonymous-input' });
  });

  test('a header key is read from the request', async () => {
    const byHeader = { source: 'header' as const, name: 'idempotency-key', ttlSeconds: 60 };
    const context = stepContext({ headers: () => new Headers({ 'idempotency-key': 'h1' }) });
    expect(await idempotencyRecord(context, stepCall(meta({ policy: { dedupe: byHeader } }), alice), validated({}), byHeader)).toMatchObject({
      ok: true,
      record: { storeKey: idempotencyKeys.user(scope, 'alice', 'k', 'h1') },
    });
  });
});

describe('step 7: claimRecord, completeClaim, releaseClaim', () => {
  const record = { storeKey: 'rec', owner: recordOwners.user('alice'), fingerprint: 'fp', ttlMs: 60_000 };

  test('on the memory store: claims synchronously, then replays the completed result synchronously', () => {
    const context = stepContext();
    const first = stepCall(byKey, alice);
    expect(claimRecord(context, first, record, null)).toEqual({ status: 'claimed' });
    expect(first.claim).toMatchObject({ key: 'rec', token: expect.any(String) });
    expect(completeClaim(context, first.action, first.claim!, serializeResult({ saved: 1 })!, record.ttlMs)).toBeUndefined();
    expect(claimRecord(context, stepCall(byKey, alice), record, null)).toEqual({ status: 'replay', value: { saved: 1 } });
  });

  test('the same key with another input is IDEMPOTENCY_KEY_MISMATCH', () => {
    const context = stepContext();
    claimRecord(context, stepCall(byKey, alice), record, null);
    expect(denialOf(() => claimRecord(context, stepCall(byKey, alice), { ...record, fingerprint: 'other' }, null)).code).toBe('IDEMPOTENCY_KEY_MISMATCH');
  });

  test('a busy key waits for the first call, and is IDEMPOTENCY_KEY_IN_USE once the wait is over', async () => {
    const context = stepContext({ idempotency: { waitMs: 30 } });
    claimRecord(context, stepCall(byKey, alice), record, null);
    const waiting = claimRecord(context, stepCall(byKey, alice), record, null);
    expect(waiting).toBeInstanceOf(Promise);
    await expect(waiting).rejects.toMatchObject({ failure: { error: { code: 'IDEMPOTENCY_KEY_IN_USE' } } });
  });

  test('charges a pending rate limit in the claim operation, and denies RATE_LIMITED without claiming when spent', () => {
    const limited = meta({ policy: { dedupe: dedupeByKey, rateLimit: { limit: 1, windowSeconds: 60, by: 'user' } } });
    const context = stepContext();
    const first = stepCall(limited, alice);
    const rateLimit = new CallRateLimit(context, first, limited.policy.rateLimit!);
    expect(claimRecord(context, first, record, rateLimit)).toEqual({ status: 'claimed' });
    expect(rateLimit.pending).toBe(false);
    const second = stepCall(limited, alice);
    expect(denialOf(() => claimRecord(context, second, { ...record, storeKey: 'other' }, new CallRateLimit(context, second, limited.policy.rateLimit!))).code).toBe('RATE_LIMITED');
    expect(second.claim).toBeNull();
  });

  test('a store that cannot claim fails closed with a store-error event', async () => {
    const context = stepContext({ store: { ...memoryStore(), claim: async () => Promise.reject(new Error('down')) } as GuardStore });
    await expect(claimRecord(context, stepCall(byKey, alice), record, null)).rejects.toMatchObject({ failure: { error: { code: 'INTERNAL_ERROR' } } });
    expect(context.events).toMatchObject([{ type: 'store-error', concern: 'idempotency', decision: 'denied', message: 'Error: down' }]);
  });

  test('releaseClaim gives the claim back so a retry claims it', async () => {
    const context = stepContext();
    const first = stepCall(byKey, alice);
    claimRecord(context, first, record, null);
    await releaseClaim(context, first);
    expect(first.claim).toBeNull();
    expect(claimRecord(context, stepCall(byKey, alice), record, null)).toEqual({ status: 'claimed' });
  });
});
