import type { Metadata } from 'next';
import { InvoiceForm } from '../invoice-form';
import { requireUser } from '@/lib/auth';

/** Page title. */
export const metadata: Metadata = { title: 'New invoice' };

/** The create form; after a successful create the action redirects to the new invoice. */
export default async function NewInvoicePage() {
  await requireUser('/invoices/new');
  return (
    <div className="narrow stack">
      <h1>New invoice</h1>
      <InvoiceForm mode="create" defaults={{ customer: '', description: '', amount: '', dueDate: '' }} />
    </div>
  );
}
