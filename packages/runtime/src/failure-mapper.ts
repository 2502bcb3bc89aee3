import { createFailure, type ActionFailure } from './failures.js';
import type { ActionMeta } from './types.js';

/**
 * The function an action's `@onFailure <name>` tag names: turns a failure the guard produced (validation, auth,
 * rate limit, idempotency, origin, an error the body threw) into the action's own result, so a form typed for the
 * app's state (`useActionState`) gets a value of that type instead of an `ActionFailure` (docs/adopting.md
 * "Forms that render the result"). Typed against the action, so a mapper of the wrong shape fails `tsc`:
 *
 * ```ts
 * const toState: FailureMapper<typeof createInvoice> = (failure, prevState) => ({ ...prevState, message: failure.error.message });
 * ```
 *
 * `args` are the call's arguments as the client sent them, before validation (validation may be what failed):
 * typed as the action declares them, but not checked; echo nothing from them you would not show the caller anyway.
 */
export type FailureMapper<A extends (...args: any[]) => unknown> = (
  failure: ActionFailure,
  ...args: Parameters<A>
) => Awaited<ReturnType<A>> | Promise<Awaited<ReturnType<A>>>;

/** How the guard reports a mapper that threw: the same channels as an error of the body. */
export interface MapperHooks {
  /** Next's `unstable_rethrow`: a mapper may `redirect()` (e.g. to the sign-in page on `UNAUTHENTICATED`). */
  rethrow: Promise<(error: unknown) => void>;
  /** Called with the mapper's error, the action's ref and the ref the caller gets; then `INTERNAL_ERROR` is answered. */
  reportError: (error: unknown, action: string, ref: string) => void;
}

/**
 * What the guard answers for a failure it produced: the action's `@onFailure` mapping of it when the action has
 * one (`meta.onFailure`), else the failure itself. Only for failures the guard made, never for a result the body
 * returned (which is the action's own value already). A mapper that throws is the app's bug: Next's control flow
 * (redirect, notFound) passes through; anything else is reported like a body error and answered with
 * `INTERNAL_ERROR`, unmapped (a second mapping could throw again).
 */
export async function answerFailure(meta: ActionMeta, failure: ActionFailure, args: readonly unknown[], hooks: MapperHooks): Promise<unknown> {
  const mapper = meta.onFailure?.();
  if (mapper === undefined) return failure;
  try {
    return await mapper(failure, ...args);
  } catch (error) {
    (await hooks.rethrow)(error);
    const ref = crypto.randomUUID();
    hooks.reportError(error, meta.ref, ref);
    return createFailure('INTERNAL_ERROR', { ref });
  }
}
