/** `@action-guard/runtime`: what the app's runtime module and guarded actions use on the server. */
export { defineRuntime, resolveRuntimeOptions } from './define-runtime.js';
export type { ResolvedRuntimeOptions, Runtime, RuntimeOptions } from './define-runtime.js';
export { memoryStore, StoreCapacityError } from './stores/memory-store.js';
export type { MemoryStore, MemoryStoreOptions } from './stores/memory-store.js';
export { getActionSession, getValidatedInput } from './context.js';
export { SessionShapeError } from './session-shape.js';
export { CLIENT_IP_HEADER, CLIENT_IP_SIGNATURE_HEADER } from './client-ip.js';
export type { ClientIpOption } from './client-ip.js';
export { createFailure, FAILURE_CODES, FAILURE_MESSAGES, isActionFailure } from './failures.js';
export type { ActionFailure, ActionFailureError, ActionResult, FailureCode, FailureDetails } from './failures.js';
export { formDataToObject } from './input.js';
export type { FailureMapper } from './failure-mapper.js';
export { CACHE_GUARD_DIGEST_PREFIX, CacheGuardError, guardCache, isCacheGuardError } from './guard-cache.js';
export type { CacheGuardErrorCode } from './guard-cache.js';
export type { SpanLike, TracerLike } from './telemetry.js';
export type {
  ActionMeta,
  AuthorizeContext,
  AuthorizeFn,
  CallEvent,
  CallOutcome,
  ClaimResult,
  GuardEvent,
  GuardStore,
  NormalizedPolicy,
  RevalidateTarget,
  RateLimitDecision,
  Session,
  StoreErrorEvent,
  WarningEvent,
} from './types.js';
