import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { ActionFailure } from './failures.js';

import type { NormalizedPolicy } from '@action-guard/contracts';

// The policy shapes the transform emits are declared once, in @action-guard/contracts (edge-safe, no dependencies).
export type { NormalizedPolicy, RevalidateTarget } from '@action-guard/contracts';

/** Context handed to an `@authorize` function. */
export interface AuthorizeContext<TSession extends Session = Session> {
  /** The resolved session (never null: `@authorize` implies `@requiresAuth`). */
  session: TSession;
  /**
   * The validated (transformed) input: the schema's output for an action with one parameter; with several, the
   * last argument's (where a form's fields arrive: `(prevState, formData)`, `(boundId, formData)`).
   */
  input: unknown;
  /** The validated value of every argument, one per schema, in parameter order (a rest parameter's as its array). */
  inputs: readonly unknown[];
  /** The arguments exactly as the body receives them: validated (a FormData holds only the fields its schema kept). */
  args: readonly unknown[];
}

/** An `@authorize` function. */
export type AuthorizeFn = (ctx: AuthorizeContext<any>) => boolean | Promise<boolean>;

/** The module-level metadata the transform emits for each guarded action. */
export interface ActionMeta {
  /** Stable reference `<file>#<export>` (inline actions: `<file>#<Component>/<name>`). */
  ref: string;
  /** Checks whose findings action-guard.baseline.json accepts for this action; absent when none (transform src/baseline.ts). */
  baselined?: readonly string[];
  /** Posix path of the source file, relative to the project root. */
  file: string;
  /** Exported name, or null for inline actions. */
  exportName: string | null;
  /**
   * Module export, inline `"use server"` function, or `"use cache"` function (guarded by `guardCache`, which only
   * validates arguments: src/guard-cache.ts).
   */
  kind: 'export' | 'inline' | 'cache';
  /** 1-based line of the function. */
  line: number;
  /** 0-based column of the function. */
  column: number;
  /** The normalized policy. */
  policy: NormalizedPolicy;
  /**
   * Thunk returning one schema per client-supplied parameter, in order (a thunk so module order and TDZ never
   * matter). Metadata from transform versions before positional schemas returned one schema: one position.
   */
  schema: (() => readonly StandardSchemaV1[] | StandardSchemaV1) | null;
  /** Thunk returning the `@authorize` function. */
  authorize: (() => AuthorizeFn) | null;
  /**
   * Thunk returning the `@onFailure` function, which maps the guard's failures into the action's own result
   * (src/failure-mapper.ts); absent when the action has none.
   */
  onFailure?: () => (failure: ActionFailure, ...args: any[]) => unknown;
}

/** What `session()` resolves to when a user is signed in. */
export interface Session {
  /** Stable id of the principal; used for `by:user` limits and to scope idempotency keys. */
  id: string;
  /**
   * Roles held, for `@role`: an array of strings, or one string that is exactly one role (never split or searched).
   * Anything else makes the call fail with `INTERNAL_ERROR` and a log line naming the field.
   */
  roles?: readonly string[] | string;
}

/** Outcome of one guarded call. */
export type CallOutcome = 'ok' | 'replayed' | 'denied' | 'error' | 'control-flow';

/** The one structured event emitted per guarded call (docs/reference.md §3). Input values are never included. */
export interface CallEvent {
  /** Discriminant. */
  type: 'call';
  /** `<file>#<export>` of the action. */
  action: string;
  /** Next's action id (from the registered function, or the `next-action` header), when known. */
  id: string | null;
  /** What happened. */
  outcome: CallOutcome;
  /** The failure code, for `denied` and `error`. */
  code?: string;
  /** Wall time of the whole guarded call. */
  durationMs: number;
  /** The session id, when a session resolved. */
  principal?: string;
  /** Reference id of an `INTERNAL_ERROR`. */
  ref?: string;
  /** Present on every call of an action the baseline accepts findings for: it runs, but is never invisible. */
  baselined?: true;
}

/** Emitted when a store could not be reached; says what the guard did about it. */
export interface StoreErrorEvent {
  /** Discriminant. */
  type: 'store-error';
  /** `<file>#<export>` of the action. */
  action: string;
  /** Which concern hit the outage. */
  concern: 'idempotency' | 'rate-limit';
  /** What the guard decided: idempotency always fails closed; rate limiting follows `rateLimit.onStoreError`. */
  decision: 'denied' | 'allowed';
  /** The store error's message (never input values). */
  message: string;
}

/** Emitted once per runtime for configuration facts an operator should know (e.g. the shared IP bucket). */
export interface WarningEvent {
  /** Discriminant. */
  type: 'warning';
  /** Stable code of the warning. */
  code:
    | 'client-ip-unavailable'
    | 'idempotency-fence-lost'
    | 'idempotency-result-unserializable'
    | 'encryption-key-mismatch'
    | 'session-invalid'
    | 'dedupe-input-anonymous'
    | 'idempotency-capacity';
  /** Human-readable explanation. */
  message: string;
  /** The action concerned, when there is one. */
  action?: string;
}

/** Everything `onEvent` receives. */
export type GuardEvent = CallEvent | StoreErrorEvent | WarningEvent;

/** Result of an atomic rate-limit check. */
export interface RateLimitDecision {
  /** Whether the call may proceed. */
  allowed: boolean;
  /** Seconds until a call would be allowed (0 when allowed). */
  retryAfter: number;
}

/** State of an idempotency key as seen by a claim attempt. */
export type ClaimResult =
  | { status: 'claimed'; token: string }
  | { status: 'pending'; fingerprint: string }
  | { status: 'done'; fingerprint: string; result: string };

/**
 * The storage contract shared by `memoryStore()` and `redisStore()`. Every method is one atomic operation
 * (one round trip for Redis), so two instances sharing a store never race each other.
 */
export interface GuardStore {
  /** Store kind, for events and diagnostics. */
  readonly kind: string;
  /** GCRA check-and-update of `key`: `limit` calls per `windowMs`. */
  rateLimit(key: string, limit: number, windowMs: number): Promise<RateLimitDecision>;
  /**
   * Claims `key` for a run, or reports who holds it. A pending claim older than `leaseMs` may be taken over;
   * the new claim gets a fresh fencing token. A finished result is kept for `ttlMs`. `owner` names the principal
   * the record belongs to (unambiguous, opaque), for stores that keep quotas per principal; others may ignore it.
   * A store that refuses a claim for lack of room rejects with an error named `StoreCapacityError` carrying a
   * numeric `retryAfter` (seconds): the guard answers `RATE_LIMITED`.
   */
  claim(key: string, fingerprint: string, leaseMs: number, ttlMs: number, owner?: string): Promise<ClaimResult>;
  /** Stores the result of the run that holds `token`; returns false (and stores nothing) if the token lost the key. */
  complete(key: string, token: string, result: string, ttlMs: number): Promise<boolean>;
  /** Drops the claim held by `token` (after a throw), so a retry can run; a no-op if the token lost the key. */
  release(key: string, token: string): Promise<void>;
  /**
   * Optional: `rateLimit()` then, only if allowed, `claim()`, as one atomic operation (one round trip for Redis).
   * The guard uses it for actions with both a rate limit and an idempotency key.
   */
  rateLimitAndClaim?(
    rateKey: string,
    limit: number,
    windowMs: number,
    claimKey: string,
    fingerprint: string,
    leaseMs: number,
    ttlMs: number,
    owner?: string,
  ): Promise<RateLimitedClaim>;
}

/** Result of `rateLimitAndClaim`: no claim is attempted for a rate-limited call. */
export type RateLimitedClaim =
  | { rateLimit: RateLimitDecision & { allowed: false }; claim: null }
  | { rateLimit: RateLimitDecision & { allowed: true }; claim: ClaimResult };
