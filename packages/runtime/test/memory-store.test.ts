import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, test, vi } from 'vitest';
import { defineRuntime, isActionFailure, memoryStore, StoreCapacityError, type ActionFailure } from '../src/index.js';
import { eventLog, meta } from './helpers.js';

// A handle on V8's collector so heap figures measure live memory, not garbage waiting to be collected.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

describe('memoryStore bounds', () => {
  test('reclaims expired entries as new keys are written', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const store = memoryStore();
      for (let index = 0; index < 100; index++) await store.rateLimit(`old-${index}`, 10, 1_000);
      expect(store.size()).toBe(100);
      vi.setSystemTime(Date.now() + 2_000);
      for (let index = 0; index < 100; index++) await store.rateLimit(`new-${index}`, 10, 1_000);
      expect(store.size()).toBe(100);
    } finally {
      vi.useRealTimers();
    }
  });

  test('drops the oldest entries past maxKeys', async () => {
    const store = memoryStore({ maxKeys: 10 });
    for (let index = 0; index < 25; index++) await store.rateLimit(`k-${index}`, 1, 60_000);
    expect(store.size()).toBe(10);
    // The newest key is still limited; the oldest was forgotten.
    expect((await store.rateLimit('k-24', 1, 60_000)).allowed).toBe(false);
    expect((await store.rateLimit('k-0', 1, 60_000)).allowed).toBe(true);
  });

  test('a flood of 1,000,000 distinct rate-limit keys and 500,000 claims from 1,000 principals stays within its bounds', { timeout: 120_000 }, async () => {
    const maxBytes = 16 * 1024 * 1024;
    const store = memoryStore({ maxBytes });
    const before = heapMb();
    let refused = 0;
    for (let index = 0; index < 1_000_000; index++) {
      await store.rateLimit(`flood-ip-${index}`, 10, 60_000);
      if (index % 2 === 0) {
        const key = `flood-key-${index}`;
        try {
          const claim = await store.claim(key, 'fingerprint', 60_000, 86_400_000, `user|u${index % 1_000}`);
          if (claim.status === 'claimed') await store.complete(key, claim.token, '[1]', 86_400_000);
        } catch (error) {
          if (!(error instanceof StoreCapacityError)) throw error;
          refused++;
        }
      }
    }
    const after = heapMb();
    expect(store.recordBytes()).toBeLessThanOrEqual(maxBytes);
    expect(refused).toBeGreaterThan(0);
    console.info(
      `memoryStore (maxBytes 16 MiB) after 1,000,000 rate-limit keys + 500,000 claims: ${store.size()} entries, ` +
        `records counted ${(store.recordBytes() / 1024 / 1024).toFixed(1)} MB, heap +${(after - before).toFixed(1)} MB, ${refused} claims refused`,
    );
    // What the records really take stays under what they are counted for; the rest is the 50,000 buckets.
    expect(after - before).toBeLessThan(16 + 20);
  });
});

describe('memoryStore idempotency records: bounded by bytes, never evicted by someone else', () => {
  const action = meta({ policy: { dedupe: { source: 'key', name: 'key', ttlSeconds: 600 } } });

  test('attack: one principal\'s flood of keys no longer evicts another\'s finished record, so the victim\'s retry replays', async () => {
    // Before: records were capped by count (maxKeys) in two generations; mallory's flood of fresh keys rotated
    // alice's finished record out, and alice's retry of her payment ran the body a second time.
    const store = memoryStore({ maxBytes: 512 * 1024, maxBytesPerPrincipal: 64 * 1024 });
    let session = { id: 'alice' };
    const log = eventLog();
    const runtime = defineRuntime({ session: () => session, store, onEvent: log.onEvent, headers: () => new Headers(), tracing: false });
    const charge = vi.fn(async () => ({ charged: 100 }));
    expect(await runtime.guard(action, [{ key: 'pay-1' }], charge)).toEqual({ charged: 100 });

    session = { id: 'mallory' };
    const codes = new Map<string, number>();
    for (let index = 0; index < 5_000; index++) {
      const result = await runtime.guard(action, [{ key: `flood-${index}` }], async () => 'x');
      const code = isActionFailure(result) ? result.error.code : 'ok';
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    // Mallory's own claims stop at her quota, with a typed failure.
    expect(codes.get('RATE_LIMITED')).toBeGreaterThan(4_000);
    expect([...codes.keys()].sort()).toEqual(['RATE_LIMITED', 'ok']);
    const refusal = (await runtime.guard(action, [{ key: 'one-more' }], async () => 'x')) as ActionFailure;
    expect(refusal.error.retryAfter).toBeGreaterThanOrEqual(590);
    expect(log.events).toContainEqual(expect.objectContaining({ type: 'warning', code: 'idempotency-capacity' }));

    session = { id: 'alice' };
    expect(await runtime.guard(action, [{ key: 'pay-1' }], charge)).toEqual({ charged: 100 });
    expect(charge).toHaveBeenCalledTimes(1);
    // And alice can still make new claims: her quota is her own.
    expect(await runtime.guard(action, [{ key: 'pay-2' }], charge)).toEqual({ charged: 100 });
  });

  test('attack: a flood spread over many principals fills the store, refuses new claims, and still evicts nobody', async () => {
    const store = memoryStore({ maxBytes: 256 * 1024, maxBytesPerPrincipal: 16 * 1024 });
    let session = { id: 'alice' };
    const runtime = defineRuntime({ session: () => session, store, headers: () => new Headers(), tracing: false });
    const charge = vi.fn(async () => ({ charged: 100 }));
    await runtime.guard(action, [{ key: 'pay-1' }], charge);
    let refused = 0;
    for (let index = 0; index < 5_000; index++) {
      session = { id: `sybil-${index % 200}` };
      const result = await runtime.guard(action, [{ key: `flood-${index}` }], async () => 'x');
      if (isActionFailure(result)) refused++;
    }
    expect(refused).toBeGreaterThan(0);
    expect(store.recordBytes()).toBeLessThanOrEqual(256 * 1024);
    session = { id: 'alice' };
    expect(await runtime.guard(action, [{ key: 'pay-1' }], charge)).toEqual({ charged: 100 });
    expect(charge).toHaveBeenCalledTimes(1);
  });

  test('counts stored results by their size: big results fill a quota sooner than small ones', async () => {
    const store = memoryStore({ maxBytes: 1024 * 1024, maxBytesPerPrincipal: 256 * 1024 });
    const small = await store.claim('small', 'fp', 60_000, 60_000, 'p');
    if (small.status !== 'claimed') throw new Error('expected a claim');
    await store.complete('small', small.token, '"ok"', 60_000);
    const afterSmall = store.recordBytes();
    const big = await store.claim('big', 'fp', 60_000, 60_000, 'p');
    if (big.status !== 'claimed') throw new Error('expected a claim');
    await store.complete('big', big.token, JSON.stringify('x'.repeat(50_000)), 60_000);
    expect(store.recordBytes() - afterSmall).toBeGreaterThan(100_000);
  });

  test('a result too big for what is left of the quota is kept as unreplayable: the body still never runs twice', async () => {
    const store = memoryStore({ maxBytes: 1024 * 1024, maxBytesPerPrincipal: 32 * 1024 });
    const runtime = defineRuntime({ session: () => ({ id: 'alice' }), store, headers: () => new Headers(), tracing: false });
    const body = vi.fn(async () => 'x'.repeat(100_000));
    expect(await runtime.guard(action, [{ key: 'huge' }], body)).toHaveLength(100_000);
    const repeat = await runtime.guard(action, [{ key: 'huge' }], body);
    expect(isActionFailure(repeat) && repeat.error.code).toBe('INTERNAL_ERROR');
    expect(body).toHaveBeenCalledTimes(1);
    expect(store.recordBytes()).toBeLessThan(32 * 1024);
  });

  test('expired records go first: once they expire, the principal over its quota can claim again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const store = memoryStore({ maxBytes: 64 * 1024, maxBytesPerPrincipal: 8 * 1024 });
      let claimed = 0;
      for (let index = 0; index < 100; index++) {
        try {
          await store.claim(`k-${index}`, 'fp', 1_000, 5_000, 'p');
          claimed++;
        } catch (error) {
          expect(error).toBeInstanceOf(StoreCapacityError);
          expect(error).toMatchObject({ scope: 'principal' });
        }
      }
      expect(claimed).toBeLessThan(100);
      await expect(store.claim('next', 'fp', 1_000, 5_000, 'p')).rejects.toBeInstanceOf(StoreCapacityError);
      expect((await store.claim('other', 'fp', 1_000, 5_000, 'q')).status).toBe('claimed');
      vi.setSystemTime(Date.now() + 6_000);
      expect((await store.claim('next', 'fp', 1_000, 5_000, 'p')).status).toBe('claimed');
    } finally {
      vi.useRealTimers();
    }
  });

  test('never evicts a live claim: a claim that does not fit fails closed instead', async () => {
    const store = memoryStore({ maxBytes: 2_000, maxBytesPerPrincipal: 2_000 });
    const held = [];
    for (let index = 0; ; index++) {
      try {
        held.push(await store.claim(`c-${index}`, 'fp', 60_000, 60_000));
      } catch (error) {
        expect(error).toMatchObject({ name: 'StoreCapacityError' });
        break;
      }
    }
    expect(held.length).toBeGreaterThan(2);
    for (let index = 0; index < held.length; index++) expect((await store.claim(`c-${index}`, 'fp', 60_000, 60_000)).status).toBe('pending');
  });

  test('rejects unknown options and a per-principal quota above the total', () => {
    expect(() => memoryStore({ maxByte: 1 } as never)).toThrow(/unknown option "maxByte". Valid options: maxKeys, maxBytes, maxBytesPerPrincipal/);
    expect(() => memoryStore({ maxBytes: 10, maxBytesPerPrincipal: 20 })).toThrow(/cannot exceed "maxBytes"/);
    expect(() => memoryStore({ maxBytes: 0 })).toThrow(/"maxBytes" must be a positive integer/);
  });
});
