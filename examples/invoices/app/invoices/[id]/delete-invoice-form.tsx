'use client';

import { useActionState } from 'react';
import { deleteInvoice, type InvoiceFormState } from '../actions';
import { FailureBanner } from '@/components/form-feedback';
import { SubmitButton } from '@/components/submit-button';

/** Deletes the invoice; on success the action redirects to the list, otherwise the reason shows here. */
export function DeleteInvoiceForm({ invoiceId }: { invoiceId: number }) {
  const [state, formAction, pending] = useActionState(deleteInvoice, null as InvoiceFormState);
  return (
    <form action={formAction} className="stack">
      <input type="hidden" name="invoiceId" value={invoiceId} />
      <FailureBanner state={state} />
      <div>
        <SubmitButton pending={pending} pendingLabel="Deleting…" variant="danger">
          Delete invoice
        </SubmitButton>
      </div>
    </form>
  );
}
