// Step 5: the action's `@authorize` function, after validation, with the session and the validated values.
import type { Session } from '../types.js';
import type { GuardCall } from './call.js';
import type { ValidatedCall } from './validate.js';

/**
 * Calls the action's `@authorize` function; only a verdict of exactly `true` admits the call (the guard awaits the
 * verdict). The guard has already denied a call without a session (`@authorize` implies `@requiresAuth`).
 */
export function authorizeCall(call: GuardCall, session: Session, validated: ValidatedCall): boolean | Promise<boolean> {
  const authorize = call.meta.authorize!();
  return authorize({ session, input: validated.input, inputs: validated.inputs, args: validated.args });
}
