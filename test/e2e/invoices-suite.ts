import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isActionFailure } from '@action-guard/runtime/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  INVOICES,
  INVOICES_DIR,
  expectFailure,
  expectNoLeak,
  formData,
  invoiceFields,
  paymentFields,
  startInvoices,
  type InvoicesInstance,
} from '../support/invoices-app.js';
import { assertBuildSucceeded, buildNextApp, readServerReferences, WORKSPACE_ROOT, type Bundler } from '../support/next-app.js';
import { defineBrowserTests } from './browser-suite.js';
import { defineNoJsFormTests } from './no-js-suite.js';
import { defineSharedStoreTests } from './shared-store-suite.js';

/** Our packages' build output: what the example consumes, so a change there means a new build. */
export const PACKAGE_OUTPUTS = [
  'crates-free-js-transform/dist',
  'packages/config/dist',
  'packages/manifest/dist',
  'packages/runtime/dist',
  'packages/next/dist',
].map((dir) => `${WORKSPACE_ROOT}/${dir}`);

/**
 * The end-to-end suite of the invoices example for one bundler: builds it, starts `next start` on 127.0.0.1 and
 * checks every docs/reference.md §3 behaviour with requests shaped exactly like the browser's, then in Chromium.
 */
export function defineInvoicesSuite(bundler: Bundler): void {
  describe(`the invoices example built with ${bundler}`, () => {
    beforeAll(async () => {
      const build = await buildNextApp({ appDir: INVOICES_DIR, bundler, cacheInputs: PACKAGE_OUTPUTS });
      assertBuildSucceeded(build, `examples/invoices (${bundler})`);
    });

    describe('the action manifest written by the build', () => {
      interface ManifestAction {
        id: string;
        ref: string;
        guarded: boolean;
        policy: { auth: string; roles: string[]; fromRules: string[]; dedupe: unknown; rateLimit: unknown } | null;
      }
      const readManifest = () =>
        JSON.parse(readFileSync(join(INVOICES_DIR, '.next/action-guard/manifest.json'), 'utf8')) as {
          bundler: string;
          actions: ManifestAction[];
        };
      const byRef = (ref: string) => readManifest().actions.find((a) => a.ref === ref);

      test("lists every action Next registered exactly once, guarded, under Next's own id", () => {
        const manifest = readManifest();
        expect(manifest.bundler).toBe(bundler);
        const nextIds = [...new Set(readServerReferences(INVOICES_DIR).map((e) => e.id))].sort();
        expect(manifest.actions.map((a) => a.id).sort()).toEqual(nextIds);
        expect(manifest.actions.filter((a) => !a.guarded).map((a) => a.ref)).toEqual([]);
      });

      test('records the admin directory rule as a floor of an action that has no tag of its own', () => {
        expect(byRef('app/admin/actions.ts#changeUserRole')?.policy).toMatchObject({
          auth: 'required',
          roles: ['admin'],
          fromRules: ['app/admin/**'],
        });
      });

      test('records the idempotency and rate-limit policies the suite exercises', () => {
        expect(byRef('app/invoices/actions.ts#recordPayment')?.policy?.dedupe).toEqual({
          source: 'key',
          name: 'idempotencyKey',
          ttlSeconds: 24 * 60 * 60,
        });
        expect(byRef('app/newsletter/actions.ts#subscribe')?.policy).toMatchObject({
          auth: 'public',
          rateLimit: { limit: 3, windowSeconds: 60, by: 'ip' },
        });
        expect(byRef('app/feedback/actions.ts#sendFeedback')?.policy?.rateLimit).toEqual({ limit: 3, windowSeconds: 60, by: 'user' });
      });
    });

    describe('who may call an action', () => {
      let app: InvoicesInstance;
      beforeAll(async () => {
        app = await startInvoices();
      });
      afterAll(async () => app?.stop());

      test('answers UNAUTHENTICATED to a caller without a session and never runs the body', async () => {
        const before = app.db.count('SELECT COUNT(*) FROM invoices');
        const response = await app.client.call(app.ids.createInvoice, [null, invoiceFields()], { path: '/invoices/new' });
        expectFailure(response, 'UNAUTHENTICATED');
        expect(app.db.count('SELECT COUNT(*) FROM invoices')).toBe(before);
      });

      test('answers UNAUTHENTICATED to a forged session cookie', async () => {
        const forged = 'invoices_session=v1.3.9999999999.bm90LWEtc2lnbmF0dXJl';
        const response = await app.client.call(app.ids.changeUserRole, [null, formData({ userId: '1', role: 'admin' })], {
          path: '/admin',
          headers: { cookie: forged },
        });
        expectFailure(response, 'UNAUTHENTICATED');
        expect(app.db.get<{ role: string }>('SELECT role FROM users WHERE id = 1')?.role).toBe('member');
      });

      test('answers FORBIDDEN to a member calling an action of the admin area (a directory rule)', async () => {
        const response = await app.client.call(app.ids.changeUserRole, [null, formData({ userId: '2', role: 'admin' })], {
          path: '/admin',
          headers: { cookie: app.cookies.alice },
        });
        expectFailure(response, 'FORBIDDEN');
        expect(app.db.get<{ role: string }>('SELECT role FROM users WHERE id = 2')?.role).toBe('member');
      });

      test('lets an admin call the same action', async () => {
        const response = await app.client.call(app.ids.changeUserRole, [null, formData({ userId: '2', role: 'admin' })], {
          path: '/admin',
          headers: { cookie: app.cookies.admin },
        });
        expect(isActionFailure(response.result), JSON.stringify(response.result)).toBe(false);
        expect(response.result).toMatchObject({ ok: true });
        expect(app.db.get<{ role: string }>('SELECT role FROM users WHERE id = 2')?.role).toBe('admin');
        await app.client.call(app.ids.changeUserRole, [null, formData({ userId: '2', role: 'member' })], {
          path: '/admin',
          headers: { cookie: app.cookies.admin },
        });
        expect(app.db.get<{ role: string }>('SELECT role FROM users WHERE id = 2')?.role).toBe('member');
      });

      test("answers FORBIDDEN when @authorize refuses: a member changing another member's invoice", async () => {
        const response = await app.client.call(app.ids.setInvoiceStatus, [{ invoiceId: INVOICES.bobOpen, status: 'paid' }], {
          path: '/invoices',
          headers: { cookie: app.cookies.alice },
        });
        expectFailure(response, 'FORBIDDEN');
        expect(app.db.get<{ status: string }>('SELECT status FROM invoices WHERE id = ?', INVOICES.bobOpen)?.status).toBe('open');
      });

      test('lets the owner change their own invoice from a client component call with plain arguments', async () => {
        const response = await app.client.call(app.ids.setInvoiceStatus, [{ invoiceId: INVOICES.aliceOpen, status: 'paid' }], {
          path: '/invoices',
          headers: { cookie: app.cookies.alice },
        });
        expect(response.result).toEqual({ ok: true, invoiceId: INVOICES.aliceOpen, status: 'paid' });
        expect(app.db.get<{ status: string }>('SELECT status FROM invoices WHERE id = ?', INVOICES.aliceOpen)?.status).toBe('paid');
      });

      test('lets a @public action run without a session', async () => {
        const response = await app.client.call(app.ids.subscribe, [null, formData({ email: 'Visitor@Example.com' })], { path: '/' });
        expect(response.result).toEqual({ ok: true, message: 'Thanks! visitor@example.com will get the next issue.' });
        expect(app.db.count('SELECT COUNT(*) FROM newsletter_subscribers WHERE email = ?', 'visitor@example.com')).toBe(1);
      });
    });

    describe('input validation', () => {
      let app: InvoicesInstance;
      beforeAll(async () => {
        app = await startInvoices();
      });
      afterAll(async () => app?.stop());

      const create = (fields: FormData) =>
        app.client.call(app.ids.createInvoice, [null, fields], { path: '/invoices/new', headers: { cookie: app.cookies.alice } });

      test('answers INVALID_INPUT with a message for each bad field and runs nothing', async () => {
        const before = app.db.count('SELECT COUNT(*) FROM invoices');
        const failure = expectFailure(await create(invoiceFields({ customer: '  ', amount: '12,50', dueDate: 'soon' })), 'INVALID_INPUT');
        expect(failure.error.fieldErrors).toEqual({
          customer: ['Enter the customer’s name.'],
          amount: ['Enter an amount like 1200 or 1200.50.'],
          dueDate: [expect.any(String)],
        });
        expect(app.db.count('SELECT COUNT(*) FROM invoices')).toBe(before);
      });

      test('refuses a File where text is expected', async () => {
        const file = new File(['%PDF-1.7 not a name'], 'customer.pdf', { type: 'application/pdf' });
        const failure = expectFailure(await create(invoiceFields({ customer: file })), 'INVALID_INPUT');
        expect(Object.keys(failure.error.fieldErrors ?? {})).toEqual(['customer']);
      });

      test('refuses a 200 KB string and does not echo it back', async () => {
        const huge = 'x'.repeat(200 * 1024);
        const response = await create(invoiceFields({ description: huge }));
        const failure = expectFailure(response, 'INVALID_INPUT');
        expect(failure.error.fieldErrors).toEqual({ description: ['Keep the description under 500 characters.'] });
        expect(response.body).not.toContain('x'.repeat(1000));
        expect(response.body.length).toBeLessThan(10_000);
      });

      test.each(['__proto__', 'constructor', 'prototype'])('refuses a form field named %s', async (name) => {
        const fields = invoiceFields({ [name]: '{"isAdmin":true}' });
        expectFailure(await create(fields), 'INVALID_INPUT');
      });

      test('never lets a __proto__ key in plain arguments supply a missing field', async () => {
        // A hostile client (not React's encoder) sends `status` only through `__proto__`. Were it to become the
        // prototype, validation would read the inherited `status` and the invoice would be marked paid.
        const body = `[{"invoiceId":${INVOICES.aliceOpen},"__proto__":{"status":"paid"}}]`;
        const response = await app.client.callRaw(app.ids.setInvoiceStatus, body, {
          path: '/invoices',
          headers: { cookie: app.cookies.alice },
        });
        const failure = expectFailure(response, 'INVALID_INPUT');
        expect(Object.keys(failure.error.fieldErrors ?? {})).toEqual(['status']);
        expect(app.db.get<{ status: string }>('SELECT status FROM invoices WHERE id = ?', INVOICES.aliceOpen)?.status).toBe('open');
      });

      test('refuses plain arguments of the wrong shape', async () => {
        const response = await app.client.call(app.ids.setInvoiceStatus, [{ invoiceId: 'one', status: 'void' }], {
          path: '/invoices',
          headers: { cookie: app.cookies.alice },
        });
        const failure = expectFailure(response, 'INVALID_INPUT');
        expect(Object.keys(failure.error.fieldErrors ?? {}).sort()).toEqual(['invoiceId', 'status']);
      });
    });

    describe('idempotent payments (@dedupe key:idempotencyKey)', () => {
      let app: InvoicesInstance;
      beforeAll(async () => {
        app = await startInvoices();
      });
      afterAll(async () => app?.stop());

      const pay = (fields: FormData) =>
        app.client.call(app.ids.recordPayment, [null, fields], {
          path: `/invoices/${INVOICES.aliceOpen}`,
          headers: { cookie: app.cookies.alice },
        });
      const paymentsWithKey = (key: string) => app.db.count('SELECT COUNT(*) FROM payments WHERE idempotency_key = ?', key);

      test('records a payment once and replays the first result, Date included, for the same key', async () => {
        const fields = paymentFields(INVOICES.aliceOpen);
        const key = String(fields.get('idempotencyKey'));
        const first = await pay(fields);
        expect(first.result).toMatchObject({ ok: true, balanceCents: 480000 - 1000, status: 'open' });
        const second = await pay(fields);
        expect(second.result).toEqual(first.result);
        expect((second.result as { recordedAt: unknown }).recordedAt).toBeInstanceOf(Date);
        expect(paymentsWithKey(key)).toBe(1);
      });

      test('answers IDEMPOTENCY_KEY_MISMATCH when the key comes back with a different amount', async () => {
        const fields = paymentFields(INVOICES.aliceOpen);
        const key = String(fields.get('idempotencyKey'));
        expect((await pay(fields)).result).toMatchObject({ ok: true });
        const changed = paymentFields(INVOICES.aliceOpen, { idempotencyKey: key, amount: '99.00' });
        expectFailure(await pay(changed), 'IDEMPOTENCY_KEY_MISMATCH');
        expect(paymentsWithKey(key)).toBe(1);
      });

      test('runs the body exactly once for 20 concurrent duplicates', async () => {
        const fields = paymentFields(INVOICES.aliceOpen);
        const key = String(fields.get('idempotencyKey'));
        const responses = await Promise.all(Array.from({ length: 20 }, () => pay(fields)));
        const successes = responses.filter((r) => !isActionFailure(r.result));
        const failures = responses.filter((r) => isActionFailure(r.result));
        expect(successes.length).toBeGreaterThanOrEqual(1);
        // Every success is the one stored result; a duplicate that could not wait for it is told to retry.
        for (const response of successes) expect(response.result).toEqual(successes[0]!.result);
        for (const response of failures) expectFailure(response, 'IDEMPOTENCY_KEY_IN_USE');
        expect(paymentsWithKey(key)).toBe(1);
      });
    });

    describe('rate limits', () => {
      let app: InvoicesInstance;
      beforeAll(async () => {
        app = await startInvoices();
      });
      afterAll(async () => app?.stop());

      test('answers RATE_LIMITED with retryAfter after three feedback messages in a minute', async () => {
        const send = () =>
          app.client.call(app.ids.sendFeedback, [null, formData({ topic: 'idea', message: 'Please add CSV export for invoices.' })], {
            path: '/feedback',
            headers: { cookie: app.cookies.bob },
          });
        for (let i = 0; i < 3; i += 1) expect((await send()).result).toMatchObject({ ok: true });
        const failure = expectFailure(await send(), 'RATE_LIMITED');
        expect(failure.error.retryAfter).toBeGreaterThan(0);
        expect(failure.error.retryAfter).toBeLessThanOrEqual(60);
        expect(app.db.count('SELECT COUNT(*) FROM feedback WHERE user_id = 2')).toBe(3);
      });

      test('does not reset a by:ip limit for a forged X-Forwarded-For', async () => {
        const subscribe = (email: string, headers: Record<string, string> = {}) =>
          app.client.call(app.ids.subscribe, [null, formData({ email })], { path: '/', headers });
        for (let i = 0; i < 3; i += 1) expect((await subscribe(`reader${i}@example.com`)).result).toMatchObject({ ok: true });
        expectFailure(await subscribe('reader3@example.com'), 'RATE_LIMITED');
        for (const forged of ['203.0.113.9', '198.51.100.7, 10.0.0.1', '::1']) {
          const failure = expectFailure(await subscribe('reader4@example.com', { 'X-Forwarded-For': forged, 'X-Real-IP': forged }), 'RATE_LIMITED');
          expect(failure.error.retryAfter).toBeGreaterThan(0);
        }
        expect(app.db.count("SELECT COUNT(*) FROM newsletter_subscribers WHERE email LIKE 'reader%'")).toBe(3);
      });
    });

    describe("Next's control flow passes through the guard", () => {
      let app: InvoicesInstance;
      beforeAll(async () => {
        app = await startInvoices();
      });
      afterAll(async () => app?.stop());

      test('redirect() after a create reaches the client unchanged', async () => {
        const response = await app.client.call(app.ids.createInvoice, [null, invoiceFields({ customer: 'Umbrella Corp' })], {
          path: '/invoices/new',
          headers: { cookie: app.cookies.alice },
        });
        const created = app.db.get<{ id: number }>("SELECT id FROM invoices WHERE customer = 'Umbrella Corp'");
        expect(created).toBeDefined();
        expect(response.redirect).toMatch(new RegExp(`^/invoices/${created!.id}(;|$)`));
        expect(isActionFailure(response.result)).toBe(false);
      });

      test('notFound() from an action answers 404 like a missing page', async () => {
        const response = await app.client.call(
          app.ids.updateInvoice,
          [null, invoiceFields({ invoiceId: '999999' })],
          { path: '/invoices/999999/edit', headers: { cookie: app.cookies.alice } },
        );
        // Next's own digest reaches the client, exactly as without the guard: not a failure value, not a 500.
        expect(response.thrown?.digest).toBe('NEXT_HTTP_ERROR_FALLBACK;404');
        expect(response.status).toBe(404);
        expect(isActionFailure(response.result)).toBe(false);
        expectNoLeak(response.body);
      });

      test('redirect() from sign-in sets the session cookie and goes where the visitor was going', async () => {
        const response = await app.client.call(
          app.ids.signIn,
          [null, formData({ email: 'bob@example.com', password: 'bob-password', next: '/invoices/3' })],
          { path: '/sign-in' },
        );
        expect(response.redirect).toMatch(/^\/invoices\/3(;|$)/);
        expect(response.headers.getSetCookie().some((c) => c.startsWith('invoices_session='))).toBe(true);
      });

      test("an app's own { ok: false } result is not mistaken for a guard failure", async () => {
        const response = await app.client.call(
          app.ids.signIn,
          [null, formData({ email: 'bob@example.com', password: 'wrong-password' })],
          { path: '/sign-in' },
        );
        expect(response.result).toEqual({ ok: false, message: 'That email and password do not match an account.' });
        expect(isActionFailure(response.result)).toBe(false);
      });
    });

    describe('the encryption key the server runs with (docs/reference.md §5)', () => {
      // Another valid key than the build's (TEST_ENCRYPTION_KEY): Next accepts it, and would fail only later, when
      // decrypting a captured value. The runtime compares it with the build key's fingerprint on the first call.
      const otherKey = Buffer.alloc(32, 0x5a).toString('base64');

      async function warningsAfterOneCall(env: Record<string, string>): Promise<string[]> {
        const app = await startInvoices({ env });
        try {
          await app.client.call(app.ids.setInvoiceStatus, [{ invoiceId: 1, status: 'paid' }], { path: '/invoices/1' });
          // The comparison runs off the call's path; give it a moment before reading the log.
          await new Promise((resolve) => setTimeout(resolve, 500));
          return app.server.output().split('\n').filter((line) => line.includes('encryption-key-mismatch'));
        } finally {
          await app.stop();
        }
      }

      test('a server running with another key than the build reports the mismatch once, without the key', async () => {
        const warnings = await warningsAfterOneCall({ NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: otherKey });
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatch(/differs from the key this build used/);
        expect(warnings[0]).not.toContain(otherKey);
      });

      test('a server running with the build key says nothing', async () => {
        expect(await warningsAfterOneCall({})).toEqual([]);
      });
    });

    defineNoJsFormTests();
    defineBrowserTests(bundler);
    defineSharedStoreTests();
  });
}
