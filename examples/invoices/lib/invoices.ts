import { getDb } from './db';

/** Whether money is still owed on an invoice. */
export type InvoiceStatus = 'open' | 'paid';

/** An invoice with its owner and what has been paid so far. */
export interface Invoice {
  id: number;
  ownerId: number;
  ownerName: string;
  customer: string;
  description: string;
  amountCents: number;
  paidCents: number;
  dueDate: string;
  status: InvoiceStatus;
  remindedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One recorded payment. */
export interface Payment {
  id: number;
  invoiceId: number;
  amountCents: number;
  note: string;
  recordedByName: string;
  recordedAt: string;
}

/** The fields a person types when creating or editing an invoice. */
export interface InvoiceFields {
  customer: string;
  description: string;
  amountCents: number;
  dueDate: string;
}

/** Who is asking: members are limited to their own invoices, admins see all. */
export interface Viewer {
  id: number;
  role: 'member' | 'admin';
}

const INVOICE_SELECT = `
  SELECT i.id, i.owner_id AS ownerId, u.name AS ownerName, i.customer, i.description,
         i.amount_cents AS amountCents,
         COALESCE((SELECT SUM(p.amount_cents) FROM payments p WHERE p.invoice_id = i.id), 0) AS paidCents,
         i.due_date AS dueDate, i.status, i.reminded_at AS remindedAt,
         i.created_at AS createdAt, i.updated_at AS updatedAt
  FROM invoices i JOIN users u ON u.id = i.owner_id`;

/** The invoices `viewer` may see, newest first. */
export function listInvoices(viewer: Viewer): Invoice[] {
  const db = getDb();
  return viewer.role === 'admin'
    ? (db.prepare(`${INVOICE_SELECT} ORDER BY i.id DESC`).all() as Invoice[])
    : (db.prepare(`${INVOICE_SELECT} WHERE i.owner_id = ? ORDER BY i.id DESC`).all(viewer.id) as Invoice[]);
}

/** One invoice regardless of owner (authorization happens in the caller), or `null`. */
export function findInvoice(id: number): Invoice | null {
  return (getDb().prepare(`${INVOICE_SELECT} WHERE i.id = ?`).get(id) as Invoice | undefined) ?? null;
}

/** Whether `viewer` may see and change `invoice`: its owner, or any admin. */
export function canManage(viewer: Viewer, invoice: Pick<Invoice, 'ownerId'>): boolean {
  return viewer.role === 'admin' || invoice.ownerId === viewer.id;
}

/** The invoice if `viewer` may see it; `null` both when it is missing and when it is someone else's. */
export function findVisibleInvoice(viewer: Viewer, id: number): Invoice | null {
  const invoice = findInvoice(id);
  return invoice !== null && canManage(viewer, invoice) ? invoice : null;
}

/** Creates an invoice owned by `ownerId` and returns its id. */
export function insertInvoice(ownerId: number, fields: InvoiceFields): number {
  const result = getDb()
    .prepare(
      `INSERT INTO invoices (owner_id, customer, description, amount_cents, due_date)
       VALUES (@ownerId, @customer, @description, @amountCents, @dueDate)`,
    )
    .run({ ownerId, ...fields });
  return Number(result.lastInsertRowid);
}

/** Overwrites the editable fields; returns false when the invoice no longer exists. */
export function updateInvoiceFields(id: number, fields: InvoiceFields): boolean {
  const result = getDb()
    .prepare(
      `UPDATE invoices SET customer = @customer, description = @description, amount_cents = @amountCents,
         due_date = @dueDate, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = @id`,
    )
    .run({ id, ...fields });
  return result.changes === 1;
}

/** Sets the status; returns false when the invoice no longer exists. */
export function setStatus(id: number, status: InvoiceStatus): boolean {
  const result = getDb()
    .prepare(`UPDATE invoices SET status = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?`)
    .run(status, id);
  return result.changes === 1;
}

/** Deletes an invoice and its payments; returns false when it was already gone. */
export function removeInvoice(id: number): boolean {
  return getDb().prepare('DELETE FROM invoices WHERE id = ?').run(id).changes === 1;
}

/** Notes that a reminder went out now; returns the timestamp, or `null` when the invoice is gone. */
export function markReminded(id: number): string | null {
  const row = getDb()
    .prepare(`UPDATE invoices SET reminded_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ? RETURNING reminded_at AS remindedAt`)
    .get(id) as { remindedAt: string } | undefined;
  return row?.remindedAt ?? null;
}

/** The payments of an invoice, oldest first. */
export function listPayments(invoiceId: number): Payment[] {
  return getDb()
    .prepare(
      `SELECT p.id, p.invoice_id AS invoiceId, p.amount_cents AS amountCents, p.note, u.name AS recordedByName,
              p.recorded_at AS recordedAt
       FROM payments p JOIN users u ON u.id = p.recorded_by WHERE p.invoice_id = ? ORDER BY p.id`,
    )
    .all(invoiceId) as Payment[];
}

/** What recording a payment did. */
export type PaymentOutcome =
  | { kind: 'recorded'; paymentId: number; balanceCents: number; status: InvoiceStatus }
  | { kind: 'missing' }
  | { kind: 'exceeds-balance'; balanceCents: number };

/**
 * Records a payment and marks the invoice paid once nothing is owed, in one transaction so two payments can never
 * both fit under the same balance.
 */
export function insertPayment(input: {
  invoiceId: number;
  amountCents: number;
  note: string;
  idempotencyKey: string;
  recordedBy: number;
}): PaymentOutcome {
  const db = getDb();
  const run = db.transaction((): PaymentOutcome => {
    const invoice = findInvoice(input.invoiceId);
    if (invoice === null) return { kind: 'missing' };
    const balance = invoice.amountCents - invoice.paidCents;
    if (input.amountCents > balance) return { kind: 'exceeds-balance', balanceCents: balance };
    const result = db
      .prepare(
        `INSERT INTO payments (invoice_id, amount_cents, note, idempotency_key, recorded_by)
         VALUES (@invoiceId, @amountCents, @note, @idempotencyKey, @recordedBy)`,
      )
      .run(input);
    const remaining = balance - input.amountCents;
    const status: InvoiceStatus = remaining === 0 ? 'paid' : invoice.status;
    if (status !== invoice.status) setStatus(invoice.id, status);
    return { kind: 'recorded', paymentId: Number(result.lastInsertRowid), balanceCents: remaining, status };
  });
  return run.immediate();
}
