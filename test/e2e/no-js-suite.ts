import { parse, type HTMLElement } from 'node-html-parser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { INVOICES, expectNoLeak, startInvoices, type InvoicesInstance } from '../support/invoices-app.js';

/** The form on a server-rendered page that has a field named `field` (pages also carry e.g. a sign-out form). */
function formWithField(root: HTMLElement, field: string): HTMLElement {
  const forms = root.querySelectorAll('form').filter((form) => form.querySelector(`[name="${field}"]`) !== null);
  if (forms.length !== 1) throw new Error(`expected one form with a "${field}" field, found ${forms.length}`);
  return forms[0]!;
}

/** The text a person sees in a server-rendered element (entities decoded, whitespace collapsed). */
function visibleText(element: HTMLElement): string {
  return element.textContent.replace(/\s+/g, ' ').trim();
}

/**
 * Forms submitted by a browser without JavaScript: a multipart POST of the server-rendered form, React's
 * `$ACTION_*` hidden fields included, answered with a full HTML page (or a 303 for a redirect).
 */
export function defineNoJsFormTests(): void {
  describe('forms posted without JavaScript', () => {
    let app: InvoicesInstance;
    beforeAll(async () => {
      app = await startInvoices();
    });
    afterAll(async () => app?.stop());

    test('the sign-in form shows the validation errors next to the fields, then signs in and redirects', async () => {
      const page = await app.client.page('/sign-in');
      expect(page.status).toBe(200);
      const form = formWithField(page.root, 'email');
      // The no-JS form carries the action reference, not a plain input: React renders `$ACTION_*` fields.
      expect(form.querySelectorAll('input[type=hidden]').some((i) => i.getAttribute('name')?.startsWith('$ACTION_'))).toBe(true);

      const rejected = await app.client.submitForm(form, '/sign-in', [
        ['email', 'not-an-email'],
        ['password', ''],
      ]);
      expect(rejected.status).toBe(200);
      expectNoLeak(rejected.body);
      const shown = parse(rejected.body);
      expect(visibleText(shown.querySelector('#email-error')!)).toBe('Enter a valid email address.');
      expect(visibleText(shown.querySelector('#password-error')!)).toBe('Enter your password.');
      expect(shown.querySelector('[data-failure-code]')?.getAttribute('data-failure-code')).toBe('INVALID_INPUT');

      // The re-rendered page carries a fresh form (with the failure as its state); submit that one, as a person would.
      const accepted = await app.client.submitForm(formWithField(shown, 'email'), '/sign-in', [
        ['email', 'alice@example.com'],
        ['password', 'alice-password'],
      ]);
      expect(accepted.status).toBe(303);
      expect(accepted.location).toMatch(/\/invoices$/);
      expect(accepted.headers.getSetCookie().some((c) => c.startsWith('invoices_session='))).toBe(true);
    });

    test('the create form shows field errors, then creates the invoice and redirects to it', async () => {
      const headers = { cookie: app.cookies.alice };
      const page = await app.client.page('/invoices/new', headers);
      expect(page.status).toBe(200);
      const form = formWithField(page.root, 'customer');
      const rejected = await app.client.submitForm(
        form,
        '/invoices/new',
        [['customer', ''], ['description', ''], ['amount', '-3'], ['dueDate', '']],
        headers,
      );
      expect(rejected.status).toBe(200);
      const shown = parse(rejected.body);
      expect(visibleText(shown.querySelector('#customer-error')!)).toBe('Enter the customer’s name.');
      expect(visibleText(shown.querySelector('#amount-error')!)).toBe('Enter an amount like 1200 or 1200.50.');

      const accepted = await app.client.submitForm(
        formWithField(shown, 'customer'),
        '/invoices/new',
        [['customer', 'Hooli'], ['description', 'Compression review'], ['amount', '250'], ['dueDate', '2027-03-01']],
        headers,
      );
      const created = app.db.get<{ id: number }>("SELECT id FROM invoices WHERE customer = 'Hooli'");
      expect(created).toBeDefined();
      expect(accepted.status).toBe(303);
      expect(accepted.location).toMatch(new RegExp(`/invoices/${created!.id}$`));
    });

    test('a payment form posted twice (a refresh) records the payment once', async () => {
      const headers = { cookie: app.cookies.alice };
      const page = await app.client.page(`/invoices/${INVOICES.aliceOpen}`, headers);
      const form = formWithField(page.root, 'idempotencyKey');
      const key = form.querySelector('input[name="idempotencyKey"]')!.getAttribute('value')!;
      expect(key.length).toBeGreaterThanOrEqual(16);
      const fields: Array<[string, string]> = [['amount', '75.25'], ['note', 'Cheque 1042']];
      const first = await app.client.submitForm(form, `/invoices/${INVOICES.aliceOpen}`, fields, headers);
      const second = await app.client.submitForm(form, `/invoices/${INVOICES.aliceOpen}`, fields, headers);
      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(app.db.count('SELECT COUNT(*) FROM payments WHERE idempotency_key = ?', key)).toBe(1);
      expect(app.db.count('SELECT COUNT(*) FROM payments WHERE invoice_id = ? AND amount_cents = 7525', INVOICES.aliceOpen)).toBe(1);
    });
  });
}
