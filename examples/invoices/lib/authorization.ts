import type { AuthorizeContext } from '@action-guard/runtime';
import type { AppSession } from './action-guard';
import { canManage, findInvoice } from './invoices';

/**
 * `@authorize` check of every action that changes one invoice: the caller must own it or be an admin.
 * The guard calls it after validation, so `input.invoiceId` is already a positive integer.
 *
 * A missing invoice passes on purpose: there is no owner to protect, and the action answers with `notFound()`,
 * the same 404 the invoice page gives, instead of a misleading "not allowed".
 */
export function canEditInvoice({ session, input }: AuthorizeContext<AppSession>): boolean {
  const invoiceId = (input as { invoiceId?: unknown } | null)?.invoiceId;
  if (typeof invoiceId !== 'number') return false;
  const invoice = findInvoice(invoiceId);
  if (invoice === null) return true;
  return canManage({ id: session.userId, role: session.roles.includes('admin') ? 'admin' : 'member' }, invoice);
}
