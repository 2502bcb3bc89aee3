import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { canEditInvoice } from '../lib/authorization';
import { openDatabase, SEED_USERS } from '../lib/db';
import { findInvoice, insertInvoice, insertPayment, listInvoices, listPayments, removeInvoice } from '../lib/invoices';
import type { AppSession } from '../lib/action-guard';

const dir = mkdtempSync(path.join(tmpdir(), 'invoices-db-'));
let counter = 0;

beforeEach(() => {
  // A fresh file per test: getDb() reopens whenever INVOICES_DB_PATH changes.
  vi.stubEnv('INVOICES_DB_PATH', path.join(dir, `test-${++counter}.sqlite`));
});

afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

const alice: AppSession = { id: '1', userId: 1, roles: ['member'] };
const bob: AppSession = { id: '2', userId: 2, roles: ['member'] };
const admin: AppSession = { id: '3', userId: 3, roles: ['admin'] };

describe('the database', () => {
  test('a new file is migrated and seeded once, however often it is opened', () => {
    const file = path.join(dir, 'reopened.sqlite');
    openDatabase(file).close();
    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare('SELECT email, role FROM users ORDER BY id').all()).toEqual(
      SEED_USERS.map(({ email, role }) => ({ email, role })),
    );
    expect(db.prepare('SELECT COUNT(*) AS n FROM invoices').get()).toEqual({ n: 3 });
    db.close();
  });

  test('members see their own invoices and admins see everyone’s', () => {
    expect(listInvoices({ id: 1, role: 'member' }).map((invoice) => invoice.id)).toEqual([2, 1]);
    expect(listInvoices({ id: 2, role: 'member' }).map((invoice) => invoice.id)).toEqual([3]);
    expect(listInvoices({ id: 3, role: 'admin' }).map((invoice) => invoice.id)).toEqual([3, 2, 1]);
  });

  test('a payment that settles the balance marks the invoice paid', () => {
    const first = insertPayment({ invoiceId: 1, amountCents: 80000, note: '', idempotencyKey: 'key-a', recordedBy: 1 });
    expect(first).toMatchObject({ kind: 'recorded', balanceCents: 400000, status: 'open' });
    const second = insertPayment({ invoiceId: 1, amountCents: 400000, note: 'rest', idempotencyKey: 'key-b', recordedBy: 1 });
    expect(second).toMatchObject({ kind: 'recorded', balanceCents: 0, status: 'paid' });
    expect(findInvoice(1)).toMatchObject({ paidCents: 480000, status: 'paid' });
    expect(listPayments(1).map((payment) => payment.amountCents)).toEqual([80000, 400000]);
  });

  test('a payment larger than the balance is refused and nothing is recorded', () => {
    expect(insertPayment({ invoiceId: 1, amountCents: 480001, note: '', idempotencyKey: 'key-c', recordedBy: 1 })).toEqual({
      kind: 'exceeds-balance',
      balanceCents: 480000,
    });
    expect(listPayments(1)).toEqual([]);
  });

  test('a deleted invoice’s id is never given to a new invoice', () => {
    const fields = { customer: 'Globex', description: '', amountCents: 100, dueDate: '2027-01-01' };
    const created = insertInvoice(1, fields);
    expect(removeInvoice(created)).toBe(true);
    expect(insertInvoice(1, fields)).toBe(created + 1);
  });

  test('a payment for a deleted invoice reports it missing', () => {
    expect(removeInvoice(1)).toBe(true);
    expect(insertPayment({ invoiceId: 1, amountCents: 100, note: '', idempotencyKey: 'key-d', recordedBy: 1 })).toEqual({ kind: 'missing' });
  });
});

describe('canEditInvoice', () => {
  /** What the guard passes for `(prevState, formData)` with `@schema PreviousState, …`: the form's output is `input`. */
  const context = (session: AppSession, input: unknown) => ({ session, input, inputs: [null, input], args: [] });

  test('lets the owner through', () => {
    expect(canEditInvoice(context(alice, { invoiceId: 1 }))).toBe(true);
  });

  test('stops another member', () => {
    expect(canEditInvoice(context(bob, { invoiceId: 1 }))).toBe(false);
  });

  test('lets an admin through on anyone’s invoice', () => {
    expect(canEditInvoice(context(admin, { invoiceId: 3 }))).toBe(true);
  });

  test('lets a missing invoice through so the action can answer notFound()', () => {
    expect(canEditInvoice(context(bob, { invoiceId: 999 }))).toBe(true);
  });

  test('stops input without a numeric invoice id', () => {
    expect(canEditInvoice(context(admin, { invoiceId: '1' }))).toBe(false);
    expect(canEditInvoice(context(admin, null))).toBe(false);
  });
});
