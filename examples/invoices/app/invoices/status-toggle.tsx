'use client';

import { isActionFailure } from '@action-guard/runtime/client';
import { useState, useTransition } from 'react';
import { setInvoiceStatus } from './actions';
import type { InvoiceStatus } from '@/lib/invoices';

/**
 * A button that calls a guarded action directly with plain arguments (no form): marks an invoice paid, or open
 * again. The list refreshes through the action's `revalidatePath`; a failure is shown beside the button.
 */
export function StatusToggle({ invoiceId, status }: { invoiceId: number; status: InvoiceStatus }) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const next: InvoiceStatus = status === 'paid' ? 'open' : 'paid';
  return (
    <span className="toggle">
      <button
        type="button"
        className="button button-small button-secondary"
        disabled={pending}
        aria-busy={pending}
        onClick={() =>
          startTransition(async () => {
            const result = await setInvoiceStatus({ invoiceId, status: next });
            setError(isActionFailure(result) ? result.error.message : null);
          })
        }
      >
        {pending ? 'Saving…' : next === 'paid' ? 'Mark paid' : 'Reopen'}
      </button>
      {error ? (
        <span className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </span>
  );
}
