'use server';

import { getValidatedInput, type ActionResult } from '@action-guard/runtime';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { PreviousState } from '@/lib/previous-state';
import { endSession, startSession } from '@/lib/auth';
import { safeReturnPath } from '@/lib/return-path';
import { verifyPassword } from '@/lib/passwords';
import { findUserForSignIn } from '@/lib/users';

/** State of the sign-in form: `null`, a guard failure, or the app's own "wrong email or password". */
export type SignInState = ActionResult<{ ok: false; message: string }> | null;

/** The form fields of `signIn`, named second in its `@schema` list (after the previous state). */
export const signInSchema = z.object({
  email: z.string({ error: 'Enter your email address.' }).trim().toLowerCase().pipe(z.email('Enter a valid email address.')),
  password: z.string({ error: 'Enter your password.' }).min(1, 'Enter your password.').max(200, 'That password is too long.'),
  next: z.string().max(500).optional(),
});

/**
 * Signs a user in with email and password and continues to where they were going.
 * @public Signing in is how a visitor gets a session, so it cannot require one.
 * @rateLimit 10/1m by:ip
 * @schema PreviousState, signInSchema
 */
export async function signIn(_previous: SignInState, _formData: FormData): Promise<SignInState> {
  const input = getValidatedInput(signInSchema);
  const user = findUserForSignIn(input.email);
  // verifyPassword does the full scrypt work even without a user, so timing does not reveal which emails exist.
  if (!(await verifyPassword(input.password, user?.passwordHash ?? null)) || user === null) {
    return { ok: false, message: 'That email and password do not match an account.' };
  }
  await startSession(user.id);
  redirect(safeReturnPath(input.next));
}

/**
 * Ends the caller's session and returns to the home page.
 * @public Signing out only deletes the caller's own cookie, and must work even when the session already expired.
 */
export async function signOut(): Promise<void> {
  await endSession();
  redirect('/');
}
