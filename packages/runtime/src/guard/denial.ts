import { createFailure, type ActionFailure, type FailureCode, type FailureDetails } from '../failures.js';
import type { CallOutcome } from '../types.js';

/** A denial: the pipeline stops and returns this failure. Thrown by every step, caught once by the guard. */
export class Denial {
  constructor(
    readonly failure: ActionFailure,
    readonly outcome: CallOutcome = 'denied',
  ) {}
}

/** Stops the call with a typed failure (`outcome` 'error' for an INTERNAL_ERROR the caller did not cause). */
export function deny(code: FailureCode, details?: FailureDetails, outcome?: CallOutcome): never {
  throw new Denial(createFailure(code, details), outcome);
}

/** Stops the call with an INTERNAL_ERROR carrying a fresh reference id. */
export function denyInternal(): never {
  return deny('INTERNAL_ERROR', { ref: crypto.randomUUID() }, 'error');
}
