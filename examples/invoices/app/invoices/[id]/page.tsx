import { getActionSession } from '@action-guard/runtime';
import type { Metadata } from 'next';
import { revalidatePath } from 'next/cache';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { randomUUID } from 'node:crypto';
import { DeleteInvoiceForm } from './delete-invoice-form';
import { PaymentForm } from './payment-form';
import type { AppSession } from '@/lib/action-guard';
import { requireUser } from '@/lib/auth';
import { canManage, findInvoice, findVisibleInvoice, listPayments, markReminded } from '@/lib/invoices';
import { formatCents } from '@/lib/money';
import { parseInvoiceId } from '@/lib/route-params';

/** Page title. */
export const metadata: Metadata = { title: 'Invoice' };

const dateTime = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** One invoice: its details, payments, a payment form, a reminder button, and edit / delete. */
export default async function InvoicePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireUser(`/invoices/${id}`);
  const parsedId = parseInvoiceId(id);
  const invoice = parsedId === null ? null : findVisibleInvoice(user, parsedId);
  // Missing and not-yours look the same, so ids cannot be probed for other people's invoices.
  if (invoice === null) notFound();
  const invoiceId = invoice.id;
  const payments = listPayments(invoiceId);
  const balanceCents = invoice.amountCents - invoice.paidCents;

  /**
   * Notes that a payment reminder went out. An inline action: `invoiceId` is captured, and Next encrypts captured
   * values into the page, so a caller cannot point it at another invoice; the body still re-checks ownership,
   * because the encrypted value is not tied to who replays it.
   * @requiresAuth
   * @rateLimit 5/1m
   */
  async function sendReminder() {
    'use server';
    const session = getActionSession<AppSession>()!;
    const current = findInvoice(invoiceId);
    const viewer = { id: session.userId, role: session.roles.includes('admin') ? ('admin' as const) : ('member' as const) };
    if (current === null || !canManage(viewer, current)) notFound();
    markReminded(invoiceId);
    revalidatePath(`/invoices/${invoiceId}`);
  }

  return (
    <div className="stack-lg">
      <div className="page-head">
        <div>
          <p className="muted">
            <Link href="/invoices">← Invoices</Link>
          </p>
          <h1>
            Invoice #{invoice.id} · {invoice.customer}
          </h1>
          <p className="muted">
            Owner {invoice.ownerName} · due {invoice.dueDate} ·{' '}
            <span className={`status status-${invoice.status}`}>{invoice.status}</span>
          </p>
        </div>
        <Link href={`/invoices/${invoice.id}/edit`} className="button button-secondary">
          Edit
        </Link>
      </div>

      <section className="card stats">
        <div>
          <span className="muted">Amount</span>
          <strong>{formatCents(invoice.amountCents)}</strong>
        </div>
        <div>
          <span className="muted">Paid</span>
          <strong>{formatCents(invoice.paidCents)}</strong>
        </div>
        <div>
          <span className="muted">Balance</span>
          <strong data-testid="balance">{formatCents(balanceCents)}</strong>
        </div>
      </section>

      {invoice.description ? <p>{invoice.description}</p> : null}

      <section className="card stack">
        <h2>Payments</h2>
        {payments.length === 0 ? (
          <p className="muted">No payments yet.</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Recorded</th>
                <th scope="col">By</th>
                <th scope="col">Note</th>
                <th scope="col" className="num">
                  Amount
                </th>
              </tr>
            </thead>
            <tbody>
              {payments.map((payment) => (
                <tr key={payment.id} data-payment-id={payment.id}>
                  <td>{dateTime.format(new Date(payment.recordedAt))} UTC</td>
                  <td>{payment.recordedByName}</td>
                  <td>{payment.note}</td>
                  <td className="num">{formatCents(payment.amountCents)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {balanceCents > 0 ? (
          // A fresh key per render: one form, one payment. A retry of the same submission reuses the key and is
          // answered from the guard's store; after a payment the page re-renders with a new key.
          <PaymentForm invoiceId={invoice.id} idempotencyKey={randomUUID()} />
        ) : (
          <p className="banner banner-success">Paid in full.</p>
        )}
      </section>

      {invoice.status === 'open' ? (
        <section className="card stack">
          <h2>Reminder</h2>
          <p className="muted">
            {invoice.remindedAt
              ? `Last reminder sent ${dateTime.format(new Date(invoice.remindedAt))} UTC.`
              : 'No reminder sent yet.'}
          </p>
          <form action={sendReminder}>
            <button type="submit" className="button button-secondary">
              Send reminder
            </button>
          </form>
        </section>
      ) : null}

      <section className="card stack danger-zone">
        <h2>Delete</h2>
        <p className="muted">Deleting removes the invoice and its payments for good.</p>
        <DeleteInvoiceForm invoiceId={invoice.id} />
      </section>
    </div>
  );
}
