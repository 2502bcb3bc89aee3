'use server';

import { getActionSession, getValidatedInput, type ActionResult } from '@action-guard/runtime';
import { revalidatePath } from 'next/cache';
import { notFound, redirect } from 'next/navigation';
import { z } from 'zod';
import { PreviousState } from '@/lib/previous-state';
import type { AppSession } from '@/lib/action-guard';
import { canEditInvoice } from '@/lib/authorization';
import { Amount, InvoiceFields, InvoiceId, UpdateInvoiceInput } from '@/lib/invoice-schemas';
import {
  insertInvoice,
  insertPayment,
  removeInvoice,
  setStatus,
  updateInvoiceFields,
  type InvoiceStatus,
} from '@/lib/invoices';
import { formatCents } from '@/lib/money';

/**
 * State of the create, edit and delete forms under `useActionState`: `null` until submitted, then a guard failure
 * (field errors, "not allowed", …). Success never comes back as state: those actions redirect.
 */
export type InvoiceFormState = ActionResult<null> | null;

function session(): AppSession {
  // Every action below requires auth, so the guard has resolved a session before the body runs.
  return getActionSession<AppSession>()!;
}

/** Named by `createInvoice`'s `@schema` list; the transform removes this export from the module. */
export const createInvoiceSchema = InvoiceFields;

/**
 * Creates an invoice owned by the caller and opens it.
 * @requiresAuth
 * @rateLimit 30/1m
 * @schema PreviousState, createInvoiceSchema
 */
export async function createInvoice(_previous: InvoiceFormState, _formData: FormData): Promise<InvoiceFormState> {
  const input = getValidatedInput(createInvoiceSchema);
  const id = insertInvoice(session().userId, {
    customer: input.customer,
    description: input.description,
    amountCents: input.amount,
    dueDate: input.dueDate,
  });
  revalidatePath('/invoices');
  redirect(`/invoices/${id}`);
}

/**
 * Saves the edited fields of an invoice the caller owns (admins may edit any).
 * @schema PreviousState, UpdateInvoiceInput
 * @authorize canEditInvoice
 */
export async function updateInvoice(_previous: InvoiceFormState, _formData: FormData): Promise<InvoiceFormState> {
  const input = getValidatedInput(UpdateInvoiceInput);
  const fields = { customer: input.customer, description: input.description, amountCents: input.amount, dueDate: input.dueDate };
  if (!updateInvoiceFields(input.invoiceId, fields)) notFound();
  revalidatePath('/invoices');
  revalidatePath(`/invoices/${input.invoiceId}`);
  redirect(`/invoices/${input.invoiceId}`);
}

const DeleteInvoiceInput = z.object({ invoiceId: InvoiceId });

/**
 * Deletes an invoice and its payments, then returns to the list.
 * @schema PreviousState, DeleteInvoiceInput
 * @authorize canEditInvoice
 */
export async function deleteInvoice(_previous: InvoiceFormState, _formData: FormData): Promise<InvoiceFormState> {
  const { invoiceId } = getValidatedInput(DeleteInvoiceInput);
  if (!removeInvoice(invoiceId)) notFound();
  revalidatePath('/invoices');
  redirect('/invoices');
}

const SetInvoiceStatusInput = z.object({
  invoiceId: InvoiceId,
  status: z.enum(['open', 'paid'], { error: 'The status must be open or paid.' }),
});

/**
 * Marks an invoice paid or open again. Called from a client component with a plain object, not a form.
 * @schema SetInvoiceStatusInput
 * @authorize canEditInvoice
 */
export async function setInvoiceStatus(change: { invoiceId: number; status: InvoiceStatus }): Promise<
  ActionResult<{ ok: true; invoiceId: number; status: InvoiceStatus }>
> {
  const { invoiceId, status } = getValidatedInput(SetInvoiceStatusInput);
  if (!setStatus(invoiceId, status)) notFound();
  revalidatePath('/invoices');
  revalidatePath(`/invoices/${invoiceId}`);
  return { ok: true, invoiceId, status };
}

const RecordPaymentInput = z.object({
  invoiceId: InvoiceId,
  amount: Amount,
  note: z.string({ error: 'The note must be text.' }).trim().max(200, 'Keep the note under 200 characters.').default(''),
  idempotencyKey: z.string().min(16).max(100),
});

/** What the payment form shows after the action ran (guard failures come back as `ActionFailure` instead). */
export type RecordPaymentResult =
  | { ok: true; paymentId: number; balanceCents: number; status: InvoiceStatus; recordedAt: Date }
  | { ok: false; message: string };

/** State of the payment form under `useActionState`. */
export type PaymentFormState = ActionResult<RecordPaymentResult> | null;

/**
 * Records money received against an invoice. A double-clicked button, a retried request or a refreshed
 * no-JavaScript form post carries the same key, so the payment is recorded once and the first result is replayed.
 * @schema PreviousState, RecordPaymentInput
 * @authorize canEditInvoice
 * @dedupe key:idempotencyKey 24h
 */
export async function recordPayment(_previous: PaymentFormState, _formData: FormData): Promise<PaymentFormState> {
  const input = getValidatedInput(RecordPaymentInput);
  const outcome = insertPayment({
    invoiceId: input.invoiceId,
    amountCents: input.amount,
    note: input.note,
    idempotencyKey: input.idempotencyKey,
    recordedBy: session().userId,
  });
  // Whatever happened, this key is now spent (a retry replays this result), so the page re-renders with a new one.
  revalidatePath(`/invoices/${input.invoiceId}`);
  revalidatePath('/invoices');
  switch (outcome.kind) {
    case 'missing':
      notFound();
    case 'exceeds-balance':
      return { ok: false, message: `That is more than the ${formatCents(outcome.balanceCents)} still owed.` };
    case 'recorded':
      return { ok: true, paymentId: outcome.paymentId, balanceCents: outcome.balanceCents, status: outcome.status, recordedAt: new Date() };
  }
}
