'use client';

import Link from 'next/link';
import { useActionState } from 'react';
import { createInvoice, updateInvoice, type InvoiceFormState } from './actions';
import { FailureBanner, FieldError, fieldErrorsOf } from '@/components/form-feedback';
import { SubmitButton } from '@/components/submit-button';
import { useSubmittedValues } from '@/components/use-submitted-values';

/** The values the form starts with: empty for a new invoice, the saved ones when editing. */
export interface InvoiceFormDefaults {
  customer: string;
  description: string;
  amount: string;
  dueDate: string;
}

type Props =
  | { mode: 'create'; defaults: InvoiceFormDefaults }
  | { mode: 'edit'; invoiceId: number; defaults: InvoiceFormDefaults };

/**
 * Create and edit share one form. It posts to a guarded action through `useActionState`, so it works before
 * JavaScript loads (a plain form post) and, once it has, shows field errors and the pending state in place.
 */
export function InvoiceForm(props: Props) {
  const [state, formAction, pending] = useActionState(
    props.mode === 'create' ? createInvoice : updateInvoice,
    null as InvoiceFormState,
  );
  const [submitted, rememberSubmission] = useSubmittedValues();
  const value = (name: keyof InvoiceFormDefaults) => submitted[name] ?? props.defaults[name];
  const field = (name: keyof InvoiceFormDefaults) => {
    const errors = fieldErrorsOf(state, name);
    return {
      errors,
      inputProps: {
        id: name,
        name,
        defaultValue: value(name),
        'aria-invalid': errors.length > 0,
        'aria-describedby': errors.length ? `${name}-error` : undefined,
      },
    };
  };
  const customer = field('customer');
  const description = field('description');
  const amount = field('amount');
  const dueDate = field('dueDate');
  const cancelHref = props.mode === 'edit' ? `/invoices/${props.invoiceId}` : '/invoices';

  return (
    <form action={formAction} onSubmit={rememberSubmission} className="card stack" noValidate>
      {props.mode === 'edit' ? <input type="hidden" name="invoiceId" value={props.invoiceId} /> : null}
      <FailureBanner state={state} fields={['customer', 'description', 'amount', 'dueDate']} />
      <div className="field">
        <label htmlFor="customer">Customer</label>
        <input {...customer.inputProps} type="text" autoComplete="organization" />
        <FieldError id="customer-error" messages={customer.errors} />
      </div>
      <div className="field">
        <label htmlFor="description">Description</label>
        <textarea {...description.inputProps} rows={3} />
        <FieldError id="description-error" messages={description.errors} />
      </div>
      <div className="row">
        <div className="field">
          <label htmlFor="amount">Amount (USD)</label>
          <input {...amount.inputProps} type="text" inputMode="decimal" placeholder="1200.00" />
          <FieldError id="amount-error" messages={amount.errors} />
        </div>
        <div className="field">
          <label htmlFor="dueDate">Due date</label>
          <input {...dueDate.inputProps} type="date" />
          <FieldError id="dueDate-error" messages={dueDate.errors} />
        </div>
      </div>
      <div className="actions">
        <SubmitButton pending={pending} pendingLabel={props.mode === 'create' ? 'Creating…' : 'Saving…'}>
          {props.mode === 'create' ? 'Create invoice' : 'Save changes'}
        </SubmitButton>
        <Link href={cancelHref} className="button button-secondary">
          Cancel
        </Link>
      </div>
    </form>
  );
}
