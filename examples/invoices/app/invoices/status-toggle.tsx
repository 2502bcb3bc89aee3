'use client';

import { isActionFailure } from '@action-guard/runtime/client';
import { useState, useSyncExternalStore, useTransition } from 'react';
import { setInvoiceStatus } from './actions';
import type { InvoiceStatus } from '@/lib/invoices';

/** Nothing to subscribe to: whether the page has hydrated never changes after it has. */
const subscribeToNothing = () => () => {};

/**
 * A button that calls a guarded action directly with plain arguments (no form): marks an invoice paid, or open
 * again. The list refreshes through the action's `revalidatePath`; a failure is shown beside the button.
 */
export function StatusToggle({ invoiceId, status }: { invoiceId: number; status: InvoiceStatus }) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  // The call needs JavaScript (it is not a form), so the button stays disabled until the page has hydrated
  // instead of doing nothing when pressed in a browser without scripts: false on the server and while hydrating,
  // true after (React's way to tell them apart without a setState in an effect, which eslint-config-next rejects).
  const hydrated = useSyncExternalStore(subscribeToNothing, () => true, () => false);
  const next: InvoiceStatus = status === 'paid' ? 'open' : 'paid';
  return (
    <span className="toggle">
      <button
        type="button"
        className="button button-small button-secondary"
        disabled={pending || !hydrated}
        title={hydrated ? undefined : 'Needs JavaScript'}
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
