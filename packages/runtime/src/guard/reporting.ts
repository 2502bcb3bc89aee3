// Everything a runtime tells its operator outside the returned value: the `onEvent` sink, the once-per-runtime
// configuration warnings (with their console line), store outages and the app's `onError`.
import { createEncryptionKeyCheck, readKeyEnvironment } from '../encryption-key-check.js';
import type { SessionShapeError } from '../session-shape.js';
import type { GuardEvent } from '../types.js';
import type { ResolvedRuntimeOptions } from './options.js';

/** What the steps report through; one per runtime (the "once" warnings are once per runtime). */
export interface Reporter {
  /** Hands `event` to `onEvent`; a sink that throws never changes the call's outcome. */
  emit(event: GuardEvent): void;
  /** A store call failed; `concern` and `decision` say which and what the guard did. */
  storeError(action: string, concern: 'idempotency' | 'rate-limit', decision: 'denied' | 'allowed', error: unknown): void;
  /** A `by:ip` limit with no trustworthy address (first time only, with why and how to fix it). */
  clientIpUnavailable(action: string, why: string): void;
  /** `@dedupe input` called without a session (first time only). */
  anonymousInputDedupe(action: string): void;
  /** A session of the wrong shape: logged every time with its ref, an event once per field. */
  sessionShape(error: SessionShapeError, ref: string): void;
  /** Hands an unexpected error to `onError`; an `onError` that throws never turns a failure into a crash. */
  unexpectedError(error: unknown, action: string, ref: string): void;
  /** An `@onFailure` mapper threw: logged with the ref the caller gets, then handed to `onError` like a body's error. */
  failureMapperError(error: unknown, action: string, ref: string): void;
  /** Starts the once-per-runtime encryption key comparison (off the call's path; docs/reference.md §5). */
  checkEncryptionKey(): void;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export function createReporter(resolved: Pick<ResolvedRuntimeOptions, 'onEvent' | 'onError'>): Reporter {
  const { onEvent, onError } = resolved;
  let reportedClientIp = false;
  let reportedAnonymousInputDedupe = false;
  const reportedSessionFields = new Set<string>();

  function emit(event: GuardEvent): void {
    if (onEvent === null) return;
    try {
      onEvent(event);
    } catch {
      // An event sink must never change the outcome of a call.
    }
  }

  function unexpectedError(error: unknown, action: string, ref: string): void {
    if (onError === null) return;
    try {
      onError(error, { action, ref });
    } catch {
      // Reporting must not turn a returned failure into a crash.
    }
  }

  const checkEncryptionKey = createEncryptionKeyCheck(readKeyEnvironment, (message) => {
    emit({ type: 'warning', code: 'encryption-key-mismatch', message });
    console.error(message);
  });

  return {
    emit,
    storeError(action, concern, decision, error) {
      emit({ type: 'store-error', action, concern, decision, message: errorMessage(error) });
    },
    // A limit that needs the caller's address and has no trustworthy one: the call fails (never an attacker-chosen
    // or silently shared bucket), and the first such call says why and what to do, once per runtime.
    clientIpUnavailable(action, why) {
      if (reportedClientIp) return;
      reportedClientIp = true;
      const message =
        `action-guard: ${action} has a rate limit that needs the caller's address, and there is no trustworthy one: ${why} ` +
        'Until then such calls fail with INTERNAL_ERROR.';
      emit({ type: 'warning', code: 'client-ip-unavailable', action, message });
      console.error(message);
    },
    anonymousInputDedupe(action) {
      if (reportedAnonymousInputDedupe) return;
      reportedAnonymousInputDedupe = true;
      const message =
        `action-guard: ${action} has \`@dedupe input\` and was called without a session: its stored result would go to ` +
        'any anonymous caller who sends the same input, so such calls fail with INTERNAL_ERROR. Fix: use ' +
        '`@dedupe key:<field>` or `@dedupe header:<name>` with a random key made by the client (crypto.randomUUID()), ' +
        'or require a session (`@requiresAuth`).';
      emit({ type: 'warning', code: 'dedupe-input-anonymous', action, message });
      console.error(message);
    },
    // Once per field per runtime as an event; in the log every time, since each occurrence has its own ref.
    sessionShape(error, ref) {
      console.error(`${error.message} (ref ${ref})`);
      if (reportedSessionFields.has(error.field)) return;
      reportedSessionFields.add(error.field);
      emit({ type: 'warning', code: 'session-invalid', message: error.message });
    },
    unexpectedError,
    failureMapperError(error, action, ref) {
      console.error(`action-guard: the @onFailure function of ${action} threw (ref ${ref}): ${errorMessage(error)}`);
      unexpectedError(error, action, ref);
    },
    checkEncryptionKey() {
      void checkEncryptionKey();
    },
  };
}
