import { cookies, headers } from 'next/headers';
import { notFound, redirect } from 'next/navigation';
import { cache } from 'react';
import { SESSION_COOKIE, SESSION_MAX_AGE_SECONDS, createSessionToken, readSessionToken } from './session-cookie';
import { findUserById, type User } from './users';

/**
 * The signed-in user for this request, or `null`. Pages and the guard's `session()` both use it, so what a page
 * shows and what an action allows can never disagree. Cached per request by React.
 */
export const getCurrentUser = cache(async (): Promise<User | null> => {
  const userId = readSessionToken((await cookies()).get(SESSION_COOKIE)?.value);
  // The cookie is only a pointer: roles come from the database, so a demotion takes effect at once.
  return userId === null ? null : findUserById(userId);
});

/** The signed-in user, or a redirect to sign-in that comes back to `returnTo` afterwards. */
export async function requireUser(returnTo: string): Promise<User> {
  const user = await getCurrentUser();
  if (user === null) redirect(`/sign-in?next=${encodeURIComponent(returnTo)}`);
  return user;
}

/** The signed-in admin; anyone else gets the same 404 as a page that does not exist. */
export async function requireAdmin(): Promise<User> {
  const user = await requireUser('/admin');
  if (user.role !== 'admin') notFound();
  return user;
}

/** Starts a session for `userId` (call from a Server Action only: cookies are written on the response). */
export async function startSession(userId: number): Promise<void> {
  // Secure whenever the request reached us over HTTPS (directly or via a proxy); plain-HTTP loopback
  // development and tests keep working. A client forging `x-forwarded-proto: http` only weakens its own cookie.
  const secure = (await headers()).get('x-forwarded-proto') === 'https';
  (await cookies()).set(SESSION_COOKIE, createSessionToken(userId), {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    maxAge: SESSION_MAX_AGE_SECONDS,
  });
}

/** Ends the session (call from a Server Action only). */
export async function endSession(): Promise<void> {
  (await cookies()).delete(SESSION_COOKIE);
}
