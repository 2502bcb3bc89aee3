'use client';

import { useActionState } from 'react';
import { recordPayment, type PaymentFormState } from '../actions';
import { FailureBanner, FieldError, fieldErrorsOf, resultOf } from '@/components/form-feedback';
import { SubmitButton } from '@/components/submit-button';
import { useSubmittedValues } from '@/components/use-submitted-values';
import { formatCents } from '@/lib/money';

/** Records a payment; the hidden `idempotencyKey` makes a double submit record it once (`@dedupe`). */
export function PaymentForm({ invoiceId, idempotencyKey }: { invoiceId: number; idempotencyKey: string }) {
  const [state, formAction, pending] = useActionState(recordPayment, null as PaymentFormState);
  const [submitted, rememberSubmission] = useSubmittedValues();
  const result = resultOf(state);
  // After a recorded payment the fields start empty again; after a rejection they keep what was typed.
  const keep = result?.ok !== true;
  const amountErrors = fieldErrorsOf(state, 'amount');
  const noteErrors = fieldErrorsOf(state, 'note');
  return (
    <form action={formAction} onSubmit={rememberSubmission} className="stack" noValidate>
      <h3>Record a payment</h3>
      <input type="hidden" name="invoiceId" value={invoiceId} />
      <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
      <FailureBanner state={state} fields={['amount', 'note']} />
      {result?.ok === false ? (
        <p className="banner banner-error" role="alert">
          {result.message}
        </p>
      ) : null}
      {result?.ok === true ? (
        <p className="banner banner-success" role="status">
          Payment #{result.paymentId} recorded at {result.recordedAt.toISOString().slice(11, 19)} UTC.{' '}
          {result.balanceCents === 0 ? 'The invoice is paid in full.' : `${formatCents(result.balanceCents)} still owed.`}
        </p>
      ) : null}
      <div className="row">
        <div className="field">
          <label htmlFor="payment-amount">Amount (USD)</label>
          <input
            id="payment-amount"
            name="amount"
            type="text"
            inputMode="decimal"
            defaultValue={keep ? (submitted.amount ?? '') : ''}
            aria-invalid={amountErrors.length > 0}
            aria-describedby={amountErrors.length ? 'payment-amount-error' : undefined}
          />
          <FieldError id="payment-amount-error" messages={amountErrors} />
        </div>
        <div className="field grow">
          <label htmlFor="payment-note">Note</label>
          <input
            id="payment-note"
            name="note"
            type="text"
            placeholder="Bank transfer, cheque #…"
            defaultValue={keep ? (submitted.note ?? '') : ''}
            aria-invalid={noteErrors.length > 0}
            aria-describedby={noteErrors.length ? 'payment-note-error' : undefined}
          />
          <FieldError id="payment-note-error" messages={noteErrors} />
        </div>
      </div>
      <SubmitButton pending={pending} pendingLabel="Recording…">
        Record payment
      </SubmitButton>
    </form>
  );
}
