import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { INVOICES, INVOICES_DIR, startInvoices, type InvoicesInstance } from '../support/invoices-app.js';
import { launchChromium, saveScreenshot } from '../support/browser.js';
import type { Bundler } from '../support/next-app.js';

/** A session cookie (`name=value`) as a Playwright cookie for the app's origin. */
function toBrowserCookie(cookie: string, url: string) {
  const at = cookie.indexOf('=');
  return { name: cookie.slice(0, at), value: cookie.slice(at + 1), url };
}

/**
 * What a person sees in headless Chromium: a form that works with JavaScript disabled, and `useActionState`
 * field errors and pending state with it. Each state is saved as a screenshot under test/e2e/artifacts/.
 */
export function defineBrowserTests(bundler: Bundler): void {
  describe('in Chromium', () => {
    let app: InvoicesInstance;
    let browser: Browser;
    beforeAll(async () => {
      app = await startInvoices();
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await app?.stop();
    });

    test('with JavaScript disabled, the sign-in form shows the validation error and then signs in', async () => {
      const context: BrowserContext = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1000, height: 800 } });
      try {
        const page = await context.newPage();
        await page.goto(`${app.server.url}/sign-in?next=/invoices`);
        await page.fill('#email', 'alice@example');
        await page.fill('#password', 'alice-password');
        await Promise.all([page.waitForLoadState('load'), page.click('form:has(#email) button[type=submit]')]);
        await page.waitForSelector('#email-error');
        expect((await page.textContent('#email-error'))?.trim()).toBe('Enter a valid email address.');
        expect(await page.getAttribute('#email', 'aria-invalid')).toBe('true');
        await saveScreenshot(page, `${bundler}-no-js-1-validation-error`);

        await page.fill('#email', 'alice@example.com');
        await page.fill('#password', 'alice-password');
        await Promise.all([page.waitForURL(/\/invoices$/), page.click('form:has(#email) button[type=submit]')]);
        expect(await page.textContent('h1')).toMatch(/invoices/i);
        expect(await page.textContent('.session')).toContain('Alice Martin');
        await saveScreenshot(page, `${bundler}-no-js-2-signed-in`);
      } finally {
        await context.close();
      }
    });

    test('with JavaScript, useActionState shows the pending state, then field errors in place, then creates', async () => {
      const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
      try {
        await context.addCookies([toBrowserCookie(app.cookies.alice, app.server.url)]);
        const page = await context.newPage();
        await page.goto(`${app.server.url}/invoices/new`);
        await page.waitForLoadState('networkidle');

        // Hold the action's POST for a moment so the pending state is on screen long enough to check.
        let release: () => void = () => undefined;
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        await page.route('**/invoices/new', async (route) => {
          if (route.request().method() === 'POST' && route.request().headers()['next-action'] !== undefined) await held;
          await route.continue();
        });

        await page.fill('#customer', '');
        await page.fill('#amount', 'twelve');
        // The header has a submit button too (sign out): always address the invoice form's own button.
        const button = page.locator('form:has(#customer) button[type=submit]');
        await button.click();
        await expect.poll(() => button.getAttribute('aria-busy')).toBe('true');
        expect((await button.textContent())?.trim()).toBe('Creating…');
        await saveScreenshot(page, `${bundler}-js-1-pending`);
        release();

        await page.waitForSelector('#customer-error');
        expect((await page.textContent('#customer-error'))?.trim()).toBe('Enter the customer’s name.');
        expect((await page.textContent('#amount-error'))?.trim()).toBe('Enter an amount like 1200 or 1200.50.');
        expect(await page.getAttribute('[data-failure-code]', 'data-failure-code')).toBe('INVALID_INPUT');
        // Still the same page: the errors came back as state, not as a navigation.
        expect(new URL(page.url()).pathname).toBe('/invoices/new');
        expect(await page.inputValue('#amount')).toBe('twelve');
        await saveScreenshot(page, `${bundler}-js-2-field-errors`);

        await page.unroute('**/invoices/new');
        await page.fill('#customer', 'Pied Piper');
        await page.fill('#description', 'Middle-out compression licence');
        await page.fill('#amount', '3100');
        await page.fill('#dueDate', '2027-04-15');
        await Promise.all([page.waitForURL(/\/invoices\/\d+$/), button.click()]);
        const created = app.db.get<{ id: number }>("SELECT id FROM invoices WHERE customer = 'Pied Piper'");
        expect(created).toBeDefined();
        expect(new URL(page.url()).pathname).toBe(`/invoices/${created!.id}`);
        expect(await page.textContent('h1')).toContain('Pied Piper');
        await saveScreenshot(page, `${bundler}-js-3-created`);
      } finally {
        await context.close();
      }
    });

    test("an inline action's call event carries the id Next registered for it (issue #16)", async () => {
      const manifest = JSON.parse(readFileSync(join(INVOICES_DIR, '.next/action-guard/manifest.json'), 'utf8')) as {
        actions: { id: string; ref: string }[];
      };
      const reminder = manifest.actions.find((action) => action.ref.endsWith('/sendReminder'));
      expect(reminder?.id).toMatch(/^[0-9a-f]{42}$/);
      const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
      try {
        await context.addCookies([toBrowserCookie(app.cookies.alice, app.server.url)]);
        const page = await context.newPage();
        await page.goto(`${app.server.url}/invoices/${INVOICES.aliceOpen}`);
        await page.waitForLoadState('networkidle');
        await page.click('form button:has-text("Send reminder")');
        await page.waitForSelector('text=Last reminder sent');
        // The app logs every event as one JSON line (ACTION_GUARD_LOG=all, lib/action-guard.ts).
        const events = () =>
          app.server
            .output()
            .split('\n')
            .filter((line) => line.includes('[action-guard] {'))
            .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as { type: string; action: string; id: string | null; outcome: string });
        await expect.poll(() => events().filter((event) => event.type === 'call' && event.action === reminder!.ref)).toEqual([
          expect.objectContaining({ id: reminder!.id, outcome: 'ok' }),
        ]);
      } finally {
        await context.close();
      }
    });
  });
}
