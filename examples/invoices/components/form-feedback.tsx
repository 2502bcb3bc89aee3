import { isActionFailure, type ActionFailure, type ActionResult } from '@action-guard/runtime/client';

/** The guard failure inside an action state, if that is what the state is. */
export function failureOf(state: unknown): ActionFailure | null {
  return isActionFailure(state) ? state : null;
}

/** The action's own result inside an action state: `null` before the first submission and after a guard failure. */
export function resultOf<T>(state: ActionResult<T> | null): T | null {
  return state === null || isActionFailure(state) ? null : (state as T);
}

/** The messages for one field of a failed submission (empty when the field was fine). */
export function fieldErrorsOf(state: unknown, field: string): string[] {
  return failureOf(state)?.error.fieldErrors?.[field] ?? [];
}

/** Shows the messages for one field, right under it, linked to it by `id` for screen readers. */
export function FieldError({ id, messages }: { id: string; messages: string[] }) {
  if (messages.length === 0) return null;
  return (
    <p className="field-error" id={id} role="alert">
      {messages.join(' ')}
    </p>
  );
}

function describeRetry(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/**
 * Shows what a guard failure means for the whole form: the safe message, form-level errors, when to retry after a
 * rate limit, and the reference of an internal error (the same `ref` is in the server's event log). `fields` are
 * the names whose errors the form shows beside their inputs; errors for any other name (a hidden field that was
 * tampered with, say) are listed here so that no message is ever lost.
 */
export function FailureBanner({ state, fields = [] }: { state: unknown; fields?: readonly string[] }) {
  const failure = failureOf(state);
  if (failure === null) return null;
  const { code, message, fieldErrors = {}, formErrors = [], retryAfter, ref } = failure.error;
  const shownBesideFields = Object.keys(fieldErrors).some((name) => fields.includes(name));
  const unplaced = Object.entries(fieldErrors)
    .filter(([name]) => !fields.includes(name))
    .flatMap(([, messages]) => messages);
  return (
    <div className="banner banner-error" role="alert" data-failure-code={code}>
      {code === 'RATE_LIMITED' && retryAfter !== undefined ? (
        <p>
          You have done that too often. Try again in <strong data-retry-after={retryAfter}>{describeRetry(retryAfter)}</strong>.
        </p>
      ) : code === 'INVALID_INPUT' && shownBesideFields ? (
        <p>Please correct the highlighted fields.</p>
      ) : (
        <p>{message}</p>
      )}
      {[...formErrors, ...unplaced].map((error, index) => (
        <p key={index}>{error}</p>
      ))}
      {ref ? <p className="muted">Reference: {ref}</p> : null}
    </div>
  );
}
