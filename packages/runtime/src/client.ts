/**
 * `@action-guard/runtime/client`: what client components need to read a guarded action's result.
 * Nothing server-only may be imported here.
 */
export { FAILURE_CODES, FAILURE_MESSAGES, isActionFailure } from './failures.js';
export type { ActionFailure, ActionFailureError, ActionResult, FailureCode } from './failures.js';
