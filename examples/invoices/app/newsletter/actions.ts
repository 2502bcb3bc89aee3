'use server';

import { getValidatedInput, type ActionResult } from '@action-guard/runtime';
import { z } from 'zod';
import { PreviousState } from '@/lib/previous-state';
import { subscribeToNewsletter } from '@/lib/newsletter';

/** What the newsletter form shows after a submission. */
export type NewsletterState = ActionResult<{ ok: true; message: string }> | null;

/** The form fields of `subscribe`, named second in its `@schema` list (after the previous state). */
export const subscribeSchema = z.object({
  email: z.string({ error: 'Enter your email address.' }).trim().toLowerCase().pipe(z.email('Enter a valid email address.')),
});

/**
 * Adds an email address to the product newsletter.
 * @public Visitors subscribe before they have an account; the limit per address keeps it from being abused.
 * @rateLimit 3/1m by:ip
 * @schema PreviousState, subscribeSchema
 */
export async function subscribe(_previous: NewsletterState, _formData: FormData): Promise<NewsletterState> {
  const { email } = getValidatedInput(subscribeSchema);
  // The same answer whether or not the address was already on the list, so the form cannot be used to find out
  // who is subscribed.
  subscribeToNewsletter(email);
  return { ok: true, message: `Thanks! ${email} will get the next issue.` };
}
