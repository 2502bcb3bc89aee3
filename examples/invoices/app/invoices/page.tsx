import type { Metadata } from 'next';
import Link from 'next/link';
import { StatusToggle } from './status-toggle';
import { requireUser } from '@/lib/auth';
import { listInvoices } from '@/lib/invoices';
import { formatCents } from '@/lib/money';

/** Page title. */
export const metadata: Metadata = { title: 'Invoices' };

/** The invoices the user may see: their own, or everyone's for an admin. */
export default async function InvoicesPage() {
  const user = await requireUser('/invoices');
  const invoices = listInvoices(user);
  const outstanding = invoices.reduce((sum, invoice) => sum + (invoice.status === 'open' ? invoice.amountCents - invoice.paidCents : 0), 0);
  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>{user.role === 'admin' ? 'All invoices' : 'Your invoices'}</h1>
          <p className="muted">
            {invoices.length} invoice{invoices.length === 1 ? '' : 's'} · {formatCents(outstanding)} outstanding
          </p>
        </div>
        <Link href="/invoices/new" className="button button-primary">
          New invoice
        </Link>
      </div>
      {invoices.length === 0 ? (
        <p className="card muted">No invoices yet. Create your first one.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Customer</th>
              {user.role === 'admin' ? <th scope="col">Owner</th> : null}
              <th scope="col">Due</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col" className="num">
                Paid
              </th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Change status</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {invoices.map((invoice) => (
              <tr key={invoice.id} data-invoice-id={invoice.id}>
                <td>{invoice.id}</td>
                <td>
                  <Link href={`/invoices/${invoice.id}`}>{invoice.customer}</Link>
                </td>
                {user.role === 'admin' ? <td>{invoice.ownerName}</td> : null}
                <td>{invoice.dueDate}</td>
                <td className="num">{formatCents(invoice.amountCents)}</td>
                <td className="num">{formatCents(invoice.paidCents)}</td>
                <td>
                  <span className={`status status-${invoice.status}`}>{invoice.status}</span>
                </td>
                <td>
                  <StatusToggle invoiceId={invoice.id} status={invoice.status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
