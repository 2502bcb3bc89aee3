import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, test, vi } from 'vitest';
import { defineRuntime, isActionFailure, memoryStore, StoreCapacityError } from '../src/index.js';
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

  test('never evicts a live claim: when only live claims remain, a new key fails closed', async () => {
    const store = memoryStore({ maxKeys: 4 });
    for (let index = 0; index < 4; index++) expect((await store.claim(`c-${index}`, 'fp', 60_000, 60_000)).status).toBe('claimed');
    await expect(store.claim('c-4', 'fp', 60_000, 60_000)).rejects.toBeInstanceOf(StoreCapacityError);
    expect(store.size()).toBe(4);

    const log = eventLog();
    const runtime = defineRuntime({ session: () => ({ id: 'u' }), store, onEvent: log.onEvent, headers: () => new Headers(), tracing: false });
    const body = vi.fn();
    const result = await runtime.guard(meta({ policy: { dedupe: { source: 'input', name: null, ttlSeconds: 60 } } }), [{ a: 1 }], body);
    expect(isActionFailure(result) && result.error.code).toBe('INTERNAL_ERROR');
    expect(body).not.toHaveBeenCalled();
    expect(log.events[0]).toMatchObject({ type: 'store-error', concern: 'idempotency', decision: 'denied' });
  });

  test('evicts finished idempotency entries to make room', async () => {
    const store = memoryStore({ maxKeys: 2 });
    for (let index = 0; index < 5; index++) {
      const claim = await store.claim(`done-${index}`, 'fp', 60_000, 60_000);
      if (claim.status !== 'claimed') throw new Error('expected a claim');
      await store.complete(`done-${index}`, claim.token, '"ok"', 60_000);
    }
    expect(store.size()).toBe(2);
  });

  test('a flood of 1,000,000 distinct keys keeps the store at its cap and the heap bounded', { timeout: 120_000 }, async () => {
    const store = memoryStore();
    const before = heapMb();
    for (let index = 0; index < 1_000_000; index++) {
      await store.rateLimit(`flood-ip-${index}`, 10, 60_000);
      if (index % 2 === 0) {
        const claim = await store.claim(`flood-key-${index}`, 'fingerprint', 60_000, 86_400_000);
        if (claim.status === 'claimed') await store.complete(`flood-key-${index}`, claim.token, '[1]', 86_400_000);
      }
    }
    const after = heapMb();
    // Default cap: 50,000 rate-limit buckets + 50,000 idempotency entries.
    expect(store.size()).toBeLessThanOrEqual(100_000);
    console.info(`memoryStore after 1,000,000 distinct rate-limit keys + 500,000 idempotency keys: ${store.size()} entries, heap +${(after - before).toFixed(1)} MB`);
    expect(after - before).toBeLessThan(100);
  });
});
