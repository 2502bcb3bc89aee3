import { isActionFailure } from '@action-guard/runtime/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { INVOICES, expectFailure, formData, paymentFields, startInvoices, type InvoicesInstance } from '../support/invoices-app.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';

/**
 * Two `next start` instances of one build behind one Redis (`REDIS_URL`) and one database: what a deployment
 * with several instances looks like. Idempotency and rate limits must hold across them.
 */
export function defineSharedStoreTests(): void {
  describe('two instances sharing a Redis store', () => {
    let redis: RedisServerHandle;
    let a: InvoicesInstance;
    let b: InvoicesInstance;
    beforeAll(async () => {
      redis = await startRedisServer();
      a = await startInvoices({ env: { REDIS_URL: redis.url } });
      // Same database and the same sessions: B is another instance of the same deployment.
      b = await startInvoices({ env: { REDIS_URL: redis.url }, dbPath: a.dbPath, cookies: a.cookies });
    });
    afterAll(async () => {
      await b?.stop();
      await a?.stop();
      await redis?.stop();
    });

    const pay = (instance: InvoicesInstance, fields: FormData) =>
      instance.client.call(instance.ids.recordPayment, [null, fields], {
        path: `/invoices/${INVOICES.aliceOpen}`,
        headers: { cookie: instance.cookies.alice },
      });

    test('the two instances are one build (same action IDs)', () => {
      expect(b.ids).toEqual(a.ids);
    });

    test('replays on one instance the payment result stored by the other', async () => {
      const fields = paymentFields(INVOICES.aliceOpen);
      const first = await pay(a, fields);
      expect(first.result).toMatchObject({ ok: true });
      const second = await pay(b, fields);
      expect(second.result).toEqual(first.result);
      expect(a.db.count('SELECT COUNT(*) FROM payments WHERE idempotency_key = ?', String(fields.get('idempotencyKey')))).toBe(1);
    });

    test('runs the body exactly once for 20 concurrent duplicates split across both instances', async () => {
      const fields = paymentFields(INVOICES.aliceOpen, { amount: '1.11' });
      const key = String(fields.get('idempotencyKey'));
      const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => pay(i % 2 === 0 ? a : b, fields)));
      const successes = responses.filter((r) => !isActionFailure(r.result));
      expect(successes.length).toBeGreaterThanOrEqual(1);
      for (const response of successes) expect(response.result).toEqual(successes[0]!.result);
      for (const response of responses.filter((r) => isActionFailure(r.result))) expectFailure(response, 'IDEMPOTENCY_KEY_IN_USE');
      expect(a.db.count('SELECT COUNT(*) FROM payments WHERE idempotency_key = ?', key)).toBe(1);
    });

    test('answers IDEMPOTENCY_KEY_MISMATCH on the other instance for a changed amount', async () => {
      const fields = paymentFields(INVOICES.aliceOpen);
      expect((await pay(a, fields)).result).toMatchObject({ ok: true });
      const changed = paymentFields(INVOICES.aliceOpen, { idempotencyKey: String(fields.get('idempotencyKey')), amount: '2.00' });
      expectFailure(await pay(b, changed), 'IDEMPOTENCY_KEY_MISMATCH');
    });

    test('counts a per-user rate limit across instances and answers RATE_LIMITED with retryAfter', async () => {
      const send = (instance: InvoicesInstance) =>
        instance.client.call(instance.ids.sendFeedback, [null, formData({ topic: 'bug', message: 'The totals row overlaps on mobile.' })], {
          path: '/feedback',
          headers: { cookie: instance.cookies.bob },
        });
      expect((await send(a)).result).toMatchObject({ ok: true });
      expect((await send(b)).result).toMatchObject({ ok: true });
      expect((await send(a)).result).toMatchObject({ ok: true });
      const failure = expectFailure(await send(b), 'RATE_LIMITED');
      expect(failure.error.retryAfter).toBeGreaterThan(0);
      expect(failure.error.retryAfter).toBeLessThanOrEqual(60);
    });

    test('does not reset a by:ip limit for a forged X-Forwarded-For on either instance', async () => {
      const subscribe = (instance: InvoicesInstance, email: string, headers: Record<string, string> = {}) =>
        instance.client.call(instance.ids.subscribe, [null, formData({ email })], { path: '/', headers });
      for (let i = 0; i < 3; i += 1) {
        expect((await subscribe(i % 2 === 0 ? a : b, `shared${i}@example.com`)).result).toMatchObject({ ok: true });
      }
      expectFailure(await subscribe(a, 'shared3@example.com', { 'X-Forwarded-For': '203.0.113.50' }), 'RATE_LIMITED');
      expectFailure(await subscribe(b, 'shared4@example.com', { 'X-Forwarded-For': '198.51.100.23' }), 'RATE_LIMITED');
    });
  });
}
