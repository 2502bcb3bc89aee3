// Steps 1–3: the session, then authentication and roles, decided from the session alone before any bucket is touched.
import type { FailureCode } from '../failures.js';
import { checkSession } from '../session-shape.js';
import type { Session } from '../types.js';
import type { GuardCall } from './call.js';

/**
 * Step 1: takes what the app's `session()` returned (the guard awaits it only when it is a Promise) and checks its
 * shape. Throws SessionShapeError naming the field (the guard logs it): `roles` is checked as strictly as `id`.
 */
export function acceptSession<TSession extends Session>(call: GuardCall<TSession>, value: TSession | null | undefined): void {
  if (value === null || value === undefined) return;
  call.heldRoles = checkSession(value).roles;
  call.session = value;
}

/** Whether `held` (checked by checkSession: strings only) contains at least one of `required` (`@role` means any). */
export function holdsAnyRole(required: readonly string[], held: readonly string[]): boolean {
  for (const role of required) if (held.includes(role)) return true;
  return false;
}

/**
 * Steps 2 and 3: the refusal the session alone decides, or null. Such a refusal costs nothing in any bucket
 * (docs/rate-limits.md): its answer is the same whatever the caller sends, so repeating it enumerates nothing, and
 * charging it anywhere would let anonymous callers spend a budget that signed-in users share (`by:global`, a NAT's
 * `by:ip`), or, per address, fill the store with buckets. `@authorize` implies `@requiresAuth`: without a session it
 * is refused here too, whatever the metadata says.
 */
export function identityRefusal(call: GuardCall): FailureCode | null {
  const { policy } = call.meta;
  if ((policy.auth === 'required' || call.meta.authorize !== null) && call.session === null) return 'UNAUTHENTICATED';
  if (policy.roles.length > 0 && !holdsAnyRole(policy.roles, call.heldRoles)) return 'FORBIDDEN';
  return null;
}
