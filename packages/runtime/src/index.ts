/** `@action-guard/runtime`: what the app's runtime module and guarded actions use on the server. */
import * as internal from './internal.js';
import type { Session } from './types.js';

export { defineRuntime } from './define-runtime.js';
export type { Runtime, RuntimeOptions } from './define-runtime.js';
export { memoryStore, StoreCapacityError } from './stores/memory-store.js';
export type { MemoryStore, MemoryStoreOptions } from './stores/memory-store.js';
export { getActionSession, getValidatedInput } from './context.js';
export { SessionShapeError } from './session-shape.js';
export { CLIENT_IP_HEADER, CLIENT_IP_SIGNATURE_HEADER } from './client-ip.js';
export type { ClientIpOption } from './client-ip.js';
export { createFailure, FAILURE_CODES, FAILURE_MESSAGES, isActionFailure } from './failures.js';
export type { ActionFailure, ActionFailureError, ActionResult, FailureCode, FailureDetails } from './failures.js';
export { CacheGuardError, isCacheGuardError } from './guard-cache.js';
export type { FailureMapper } from './failure-mapper.js';
export type { CacheGuardErrorCode } from './guard-cache.js';
export type { SpanLike, TracerLike } from './telemetry.js';
export type {
  AuthorizeContext,
  AuthorizeFn,
  CallEvent,
  CallOutcome,
  ClaimResult,
  GuardEvent,
  GuardStore,
  RateLimitDecision,
  Session,
  StoreErrorEvent,
  WarningEvent,
} from './types.js';

// Names this entry used to export that apps do not use: they live in `@action-guard/runtime/internal` now and stay
// here, deprecated, so existing imports keep compiling.

/** @deprecated Not an app API: `defineRuntime()` resolves its options. Import from `@action-guard/runtime/internal`. */
export const resolveRuntimeOptions = internal.resolveRuntimeOptions;
/** @deprecated Read `runtime.options` instead; the type is in `@action-guard/runtime/internal`. */
export type ResolvedRuntimeOptions<TSession extends Session = Session> = internal.ResolvedRuntimeOptions<TSession>;
/** @deprecated Generated code calls `runtime.guardCache()`; the function is in `@action-guard/runtime/internal`. */
export const guardCache = internal.guardCache;
/** @deprecated Use `isCacheGuardError()`; the prefix is in `@action-guard/runtime/internal`. */
export const CACHE_GUARD_DIGEST_PREFIX = internal.CACHE_GUARD_DIGEST_PREFIX;
/** @deprecated Read the validated value with `getValidatedInput()`; the helper is in `@action-guard/runtime/internal`. */
export const formDataToObject = internal.formDataToObject;
/** @deprecated The metadata the transform emits; import the type from `@action-guard/runtime/internal`. */
export type ActionMeta = internal.ActionMeta;
/** @deprecated The policy the transform emits; import the type from `@action-guard/runtime/internal`. */
export type NormalizedPolicy = internal.NormalizedPolicy;
/** @deprecated Part of the transform's policy; import the type from `@action-guard/runtime/internal`. */
export type RevalidateTarget = internal.RevalidateTarget;
