import { describe, expect, test } from 'vitest';
import { InvoiceFields, UpdateInvoiceInput } from '../lib/invoice-schemas';

const valid = { customer: '  Northwind  ', description: 'Phase 2', amount: '1200.5', dueDate: '2026-12-31' };

function fieldErrors(result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }) {
  const errors: Record<string, string[]> = {};
  for (const issue of result.error?.issues ?? []) (errors[String(issue.path[0])] ??= []).push(issue.message);
  return errors;
}

describe('invoice schemas', () => {
  test('valid form text becomes typed values: trimmed names, cents, an ISO date', () => {
    expect(InvoiceFields.parse(valid)).toEqual({
      customer: 'Northwind',
      description: 'Phase 2',
      amount: 120050,
      dueDate: '2026-12-31',
    });
  });

  test('a missing description defaults to empty', () => {
    const { description, ...rest } = valid;
    expect(InvoiceFields.parse(rest).description).toBe('');
  });

  test('each wrong field gets its own message a person can act on', () => {
    const result = InvoiceFields.safeParse({ customer: ' ', amount: '12.345', dueDate: 'tomorrow' });
    expect(fieldErrors(result)).toEqual({
      customer: ['Enter the customer’s name.'],
      amount: ['Enter an amount like 1200 or 1200.50.'],
      dueDate: ['Pick a due date.'],
    });
  });

  test('zero is not an amount', () => {
    expect(fieldErrors(InvoiceFields.safeParse({ ...valid, amount: '0.00' }))).toEqual({
      amount: ['The amount must be more than zero.'],
    });
  });

  test('a file where text is expected is rejected, not stringified', () => {
    const file = new File(['x'], 'customer.txt', { type: 'text/plain' });
    expect(fieldErrors(InvoiceFields.safeParse({ ...valid, customer: file }))).toEqual({
      customer: ['Enter the customer’s name.'],
    });
  });

  test('a 200 KB name is rejected by its length limit', () => {
    expect(fieldErrors(InvoiceFields.safeParse({ ...valid, customer: 'x'.repeat(200_000) }))).toEqual({
      customer: ['Keep the customer’s name under 120 characters.'],
    });
  });

  test('the edit schema reads the invoice id from form text or a number, and only positive integers', () => {
    expect(UpdateInvoiceInput.parse({ ...valid, invoiceId: '3' }).invoiceId).toBe(3);
    expect(UpdateInvoiceInput.parse({ ...valid, invoiceId: 3 }).invoiceId).toBe(3);
    for (const invoiceId of ['0', '-1', '1.5', 'abc', '', 0, 2.5]) {
      expect(fieldErrors(UpdateInvoiceInput.safeParse({ ...valid, invoiceId })).invoiceId).toEqual(['Not a valid invoice id.']);
    }
  });
});
