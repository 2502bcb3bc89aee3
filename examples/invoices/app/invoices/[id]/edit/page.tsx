import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { InvoiceForm } from '../../invoice-form';
import { requireUser } from '@/lib/auth';
import { findVisibleInvoice } from '@/lib/invoices';
import { centsToInput } from '@/lib/money';
import { parseInvoiceId } from '@/lib/route-params';

/** Page title. */
export const metadata: Metadata = { title: 'Edit invoice' };

/** The edit form, prefilled; someone else's invoice is a 404, exactly like a missing one. */
export default async function EditInvoicePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireUser(`/invoices/${id}/edit`);
  const invoiceId = parseInvoiceId(id);
  const invoice = invoiceId === null ? null : findVisibleInvoice(user, invoiceId);
  if (invoice === null) notFound();
  return (
    <div className="narrow stack">
      <h1>Edit invoice #{invoice.id}</h1>
      <InvoiceForm
        mode="edit"
        invoiceId={invoice.id}
        defaults={{
          customer: invoice.customer,
          description: invoice.description,
          amount: centsToInput(invoice.amountCents),
          dueDate: invoice.dueDate,
        }}
      />
    </div>
  );
}
