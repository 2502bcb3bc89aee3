'use server';

import { getActionSession, getValidatedInput, type ActionResult } from '@action-guard/runtime';
import { z } from 'zod';
import { PreviousState } from '@/lib/previous-state';
import type { AppSession } from '@/lib/action-guard';
import { insertFeedback } from '@/lib/feedback';

/** What the feedback form shows after a submission. */
export type FeedbackState = ActionResult<{ ok: true; feedbackId: number }> | null;

/** The form fields of `sendFeedback`, named second in its `@schema` list (after the previous state). */
export const sendFeedbackSchema = z.object({
  topic: z.enum(['bug', 'idea', 'billing', 'other'], { error: 'Choose a topic.' }),
  message: z
    .string({ error: 'Write a message.' })
    .trim()
    .min(10, 'Tell us a little more (at least 10 characters).')
    .max(2000, 'Keep it under 2,000 characters.'),
});

/**
 * Sends feedback to the team. Three per minute per user is plenty for a person and useless for a script.
 * @requiresAuth
 * @rateLimit 3/1m
 * @schema PreviousState, sendFeedbackSchema
 */
export async function sendFeedback(_previous: FeedbackState, _formData: FormData): Promise<FeedbackState> {
  const { topic, message } = getValidatedInput(sendFeedbackSchema);
  const feedbackId = insertFeedback(getActionSession<AppSession>()!.userId, topic, message);
  return { ok: true, feedbackId };
}
