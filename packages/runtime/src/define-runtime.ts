import { createEncryptionKeyCheck, readKeyEnvironment } from './encryption-key-check.js';
import { resolveClientIp, type ClientIpOption, type ClientIpReader } from './client-ip.js';
import { runWithContext } from './context.js';
import { answerFailure, type MapperHooks } from './failure-mapper.js';
import { createFailure, type ActionFailure, type FailureCode, type FailureDetails } from './failures.js';
import {
  deserializeResult,
  fingerprintInput,
  isUnguessableKey,
  serializeResult,
  sha256Hex,
  UNREPLAYABLE,
} from './idempotency.js';
import { guardCache } from './guard-cache.js';
import { extractInput, ForbiddenFieldError, readPositionalSchemas, validateArguments, type ArgumentsOutcome } from './input.js';
import { loadRethrow, readNextHeaders } from './next-interop.js';
import { runRevalidating } from './revalidation.js';
import { memoryStore, synchronousCore } from './stores/memory-store.js';
import { actionScope, idempotencyKeys, rateLimitKeys, recordOwners } from './store-keys.js';
import { checkSession, SessionShapeError } from './session-shape.js';
import { loadTracer, markSpanError, type SpanLike, type TracerLike } from './telemetry.js';
import type { ActionMeta, CallOutcome, ClaimResult, GuardEvent, GuardStore, RateLimitDecision, Session } from './types.js';

/** What an app passes to `defineRuntime()`. */
export interface RuntimeOptions<TSession extends Session = Session> {
  /** Resolves the caller's session: `{ id, roles? }` or null. Called once per guarded call, first. */
  session: () => TSession | null | Promise<TSession | null>;
  /**
   * Where rate-limit buckets and idempotency keys live. Use `redisStore()` when more than one instance serves the app.
   * @default memoryStore()
   */
  store?: GuardStore;
  /**
   * Where the client address for `by:ip` limits (and anonymous callers' buckets) comes from. `'socket'` trusts the
   * address stamped by `registerClientIpStamp()` only in a process that installed the stamp (the stamp is signed);
   * `{ trustProxyHeader: 'x-forwarded-for', hops: 1 }` trusts a header your own proxy sets; or a function of the
   * headers. A call that needs an address and has no trustworthy one fails with `INTERNAL_ERROR`, and the first
   * such call logs why and how to fix it (a `client-ip-unavailable` warning event and `console.error`).
   * @default 'socket'
   */
  clientIp?: ClientIpOption;
  /**
   * `'strict'` rejects action requests that carry no `Origin` header (Next lets them through); `'next'` leaves
   * origin checks to Next alone.
   * @default 'next'
   */
  origin?: 'next' | 'strict';
  /**
   * Reads the current request's headers. For custom servers and for running the guard outside Next.
   * @default `headers()` from `next/headers`
   */
  headers?: () => Headers | Promise<Headers>;
  /** Receives one event per call, plus store-outage and configuration warnings. Input values are never included. */
  onEvent?: (event: GuardEvent) => void;
  /** Receives every unexpected error thrown by a session reader, an `@authorize` function or an action body. */
  onError?: (error: unknown, info: { action: string; ref: string }) => void;
  /**
   * Rethrow unexpected errors instead of returning `INTERNAL_ERROR` (Next then shows its own error handling).
   * @default false
   */
  rethrowErrors?: boolean;
  /** Idempotency tuning. */
  idempotency?: {
    /**
     * How long a repeat waits for the first call with the same key to finish before `IDEMPOTENCY_KEY_IN_USE` (ms).
     * @default 5000
     */
    waitMs?: number;
    /**
     * How long a claim protects a running body (ms). A claim older than this (its holder crashed) may be taken
     * over; the late holder is fenced out and cannot overwrite the new result.
     * @default 60000
     */
    leaseMs?: number;
  };
  /** Rate-limit tuning. */
  rateLimit?: {
    /**
     * What a rate-limited action does when the store cannot be reached: `'deny'` (fail closed, `INTERNAL_ERROR`)
     * or `'allow'` (fail open). Either way an event says so.
     * @default 'deny'
     */
    onStoreError?: 'deny' | 'allow';
  };
  /**
   * OpenTelemetry: `true` uses the global tracer when `@opentelemetry/api` is installed, `false` turns spans off,
   * or pass a tracer.
   * @default true
   */
  tracing?: boolean | TracerLike;
}

/** The object an app's runtime module default-exports; generated code calls `guard()`. */
export interface Runtime<TSession extends Session = Session> {
  /** Runs `impl` with `args` under the policy in `meta`; failures come back as values. `self` carries Next's `$$id`. */
  guard<TArgs extends [] | unknown[], TResult>(
    meta: ActionMeta,
    args: TArgs,
    impl: (...args: NoInfer<TArgs>) => TResult,
    self?: unknown,
  ): Promise<Awaited<TResult> | ActionFailure>;
  /** Runs a `"use cache"` function's `impl` with validated `args`; throws `CacheGuardError` on refusal (src/guard-cache.ts). */
  guardCache: typeof guardCache;
  /** The options after validation and defaults. */
  readonly options: Readonly<ResolvedRuntimeOptions<TSession>>;
}

/** Options with every default applied. */
export interface ResolvedRuntimeOptions<TSession extends Session = Session> {
  session: () => TSession | null | Promise<TSession | null>;
  store: GuardStore;
  clientIp: ClientIpReader;
  origin: 'next' | 'strict';
  headers: () => Headers | Promise<Headers>;
  onEvent: ((event: GuardEvent) => void) | null;
  onError: ((error: unknown, info: { action: string; ref: string }) => void) | null;
  rethrowErrors: boolean;
  waitMs: number;
  leaseMs: number;
  rateLimitOnStoreError: 'deny' | 'allow';
  tracing: boolean | TracerLike;
}

const VALID_OPTIONS = [
  'session',
  'store',
  'clientIp',
  'origin',
  'headers',
  'onEvent',
  'onError',
  'rethrowErrors',
  'idempotency',
  'rateLimit',
  'tracing',
] as const;

function fail(message: string): never {
  throw new TypeError(`defineRuntime: ${message}`);
}

function checkKeys(where: string, value: object, valid: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!valid.includes(key)) fail(`unknown option "${where}${key}". Valid options: ${valid.join(', ')}.`);
  }
}

function positiveNumber(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(`"${name}" must be a positive number.`);
  return value;
}

/** Validates options strictly (unknown keys list the valid ones) and applies defaults. */
export function resolveRuntimeOptions<TSession extends Session>(options: RuntimeOptions<TSession>): ResolvedRuntimeOptions<TSession> {
  if (typeof options !== 'object' || options === null) fail('expected an options object.');
  checkKeys('', options, VALID_OPTIONS);
  if (typeof options.session !== 'function') {
    fail('"session" is required: a function returning `{ id, roles? }` or null (use `() => null` for no sessions).');
  }
  const store = options.store ?? memoryStore();
  for (const method of ['rateLimit', 'claim', 'complete', 'release'] as const) {
    if (typeof store[method] !== 'function') fail(`"store" must be a store (memoryStore() or redisStore()); it has no ${method}().`);
  }
  if (options.origin !== undefined && options.origin !== 'next' && options.origin !== 'strict') {
    fail('"origin" must be "next" or "strict".');
  }
  for (const name of ['headers', 'onEvent', 'onError'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') fail(`"${name}" must be a function.`);
  }
  if (options.rethrowErrors !== undefined && typeof options.rethrowErrors !== 'boolean') fail('"rethrowErrors" must be a boolean.');
  const idempotency = options.idempotency ?? {};
  checkKeys('idempotency.', idempotency, ['waitMs', 'leaseMs']);
  const rateLimit = options.rateLimit ?? {};
  checkKeys('rateLimit.', rateLimit, ['onStoreError']);
  if (rateLimit.onStoreError !== undefined && rateLimit.onStoreError !== 'deny' && rateLimit.onStoreError !== 'allow') {
    fail('"rateLimit.onStoreError" must be "deny" or "allow".');
  }
  const tracing = options.tracing ?? true;
  if (typeof tracing !== 'boolean' && typeof (tracing as TracerLike)?.startSpan !== 'function') {
    fail('"tracing" must be a boolean or an OpenTelemetry tracer.');
  }
  return {
    session: options.session,
    store,
    clientIp: resolveClientIp(options.clientIp),
    origin: options.origin ?? 'next',
    headers: options.headers ?? readNextHeaders,
    onEvent: options.onEvent ?? null,
    onError: options.onError ?? null,
    rethrowErrors: options.rethrowErrors ?? false,
    waitMs: positiveNumber('idempotency.waitMs', idempotency.waitMs, 5_000),
    leaseMs: positiveNumber('idempotency.leaseMs', idempotency.leaseMs, 60_000),
    rateLimitOnStoreError: rateLimit.onStoreError ?? 'deny',
    tracing,
  };
}

/** A denial: the pipeline stops and returns this failure. */
class Denial {
  constructor(
    readonly failure: ActionFailure,
    readonly outcome: CallOutcome = 'denied',
  ) {}
}

function deny(code: FailureCode, details?: FailureDetails, outcome?: CallOutcome): never {
  throw new Denial(createFailure(code, details), outcome);
}

/** Idempotency keys up to this length are stored as they are; longer ones as their SHA-256. */
const MAX_PLAIN_KEY_LENGTH = 128;

/** A Next redirect/notFound/forbidden/unauthorized thrown by the body: stored so a replay throws it again. */
const THROWN_PREFIX = '!throw:';
const REPLAYABLE_DIGESTS = ['NEXT_REDIRECT', 'NEXT_HTTP_ERROR_FALLBACK'];

function replayableDigest(error: unknown): string | null {
  const digest = (error as { digest?: unknown } | null)?.digest;
  return typeof digest === 'string' && REPLAYABLE_DIGESTS.some((prefix) => digest.startsWith(prefix)) ? digest : null;
}

function replayStored(text: string): unknown {
  if (text.startsWith(THROWN_PREFIX)) {
    const digest = text.slice(THROWN_PREFIX.length);
    // Next recognises its control flow by `digest` alone (isRedirectError / isHTTPAccessFallbackError).
    throw Object.assign(new Error(digest.split(';')[0]), { digest });
  }
  return deserializeResult(text);
}

/** Whether `held` (checked by checkSession: strings only) contains at least one of `required` (`@role` means any). */
function holdsAnyRole(required: readonly string[], held: readonly string[]): boolean {
  for (const role of required) if (held.includes(role)) return true;
  return false;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function looksLikeActionRequest(headers: Headers): boolean {
  // `headers()` cannot tell the method. Fetch actions carry `next-action`; no-JS form posts are form-encoded.
  // A page render (a Server Component calling an action directly) has neither, so strict mode leaves it alone.
  if (headers.has('next-action')) return true;
  const type = headers.get('content-type') ?? '';
  return type.startsWith('multipart/form-data') || type.startsWith('application/x-www-form-urlencoded');
}

/** Creates the runtime an app's runtime module default-exports. */
export function defineRuntime<TSession extends Session = Session>(options: RuntimeOptions<TSession>): Runtime<TSession> {
  const resolved = resolveRuntimeOptions(options);
  const { store } = resolved;
  let reportedClientIp = false;
  const rethrowReady = loadRethrow();
  const tracerReady: Promise<TracerLike | null> =
    resolved.tracing === false ? Promise.resolve(null) : resolved.tracing === true ? loadTracer() : Promise.resolve(resolved.tracing);
  let tracer: TracerLike | null = null;
  let tracerSettled = false;
  void tracerReady.then((loaded) => {
    tracer = loaded;
    tracerSettled = true;
  });

  function emit(event: GuardEvent): void {
    if (resolved.onEvent === null) return;
    try {
      resolved.onEvent(event);
    } catch {
      // An event sink must never change the outcome of a call.
    }
  }

  // A limit that needs the caller's address and has no trustworthy one: the call fails (never an attacker-chosen
  // or silently shared bucket), and the first such call says why and what to do, once per runtime.
  function reportClientIpUnavailable(action: string, why: string): void {
    if (reportedClientIp) return;
    reportedClientIp = true;
    const message =
      `action-guard: ${action} has a rate limit that needs the caller's address, and there is no trustworthy one: ${why} ` +
      'Until then such calls fail with INTERNAL_ERROR.';
    emit({ type: 'warning', code: 'client-ip-unavailable', action, message });
    console.error(message);
  }

  let reportedAnonymousInputDedupe = false;
  function reportAnonymousInputDedupe(action: string): void {
    if (reportedAnonymousInputDedupe) return;
    reportedAnonymousInputDedupe = true;
    const message =
      `action-guard: ${action} has \`@dedupe input\` and was called without a session: its stored result would go to ` +
      'any anonymous caller who sends the same input, so such calls fail with INTERNAL_ERROR. Fix: use ' +
      '`@dedupe key:<field>` or `@dedupe header:<name>` with a random key made by the client (crypto.randomUUID()), ' +
      'or require a session (`@requiresAuth`).';
    emit({ type: 'warning', code: 'dedupe-input-anonymous', action, message });
    console.error(message);
  }

  // Once per runtime, off the call's path: is this server running with the key the build used? (docs/reference.md §5)
  const checkEncryptionKey = createEncryptionKeyCheck(readKeyEnvironment, (message) => {
    emit({ type: 'warning', code: 'encryption-key-mismatch', message });
    console.error(message);
  });

  async function guard<TArgs extends [] | unknown[], TResult>(
    meta: ActionMeta,
    args: TArgs,
    impl: (...args: NoInfer<TArgs>) => TResult,
    self?: unknown,
  ): Promise<Awaited<TResult> | ActionFailure> {
    void checkEncryptionKey();
    // Only an event carries the duration: without a sink, no clock is read for it.
    const startedAt = resolved.onEvent === null ? 0 : performance.now();
    const { policy } = meta;
    const action = meta.ref;
    let session: TSession | null = null;
    let heldRoles: readonly string[] = [];
    let headersPromise: Promise<Headers> | null = null;
    const readHeaders = (): Promise<Headers> => (headersPromise ??= Promise.resolve().then(resolved.headers));
    let claim: { key: string; token: string } | null = null;
    // Only the first calls await the (lazy) tracer import; later ones read the settled value synchronously.
    const activeTracer = tracerSettled ? tracer : await tracerReady;
    const span: SpanLike | null = activeTracer?.startSpan(`action ${action}`, { attributes: { 'action_guard.action': action } }) ?? null;

    // The caller's address when a trustworthy one is known (the `clientIp` option), else null.
    const clientIpOrNull = async (): Promise<string | null> => resolved.clientIp.read(await readHeaders());
    // For what cannot do without it (a `by:ip` bucket): no trustworthy address fails the call, loudly.
    const requireClientIp = async (): Promise<string> => {
      const headers = await readHeaders();
      const ip = resolved.clientIp.read(headers);
      if (ip !== null) return ip;
      reportClientIpUnavailable(action, resolved.clientIp.explainMissing(headers));
      return deny('INTERNAL_ERROR', { ref: crypto.randomUUID() }, 'error');
    };

    // Synchronous: when Next's id must come from headers still being read, the event follows once they are.
    const finish = (outcome: CallOutcome, code?: string, ref?: string): void => {
      if (resolved.onEvent === null && span === null) return;
      const ownId = (self as { $$id?: unknown } | null | undefined)?.$$id;
      if (typeof ownId !== 'string' && headersPromise !== null) {
        void headersPromise.then(
          (headers) => report(outcome, headers.get('next-action'), code, ref),
          () => report(outcome, null, code, ref),
        );
        return;
      }
      report(outcome, ownId, code, ref);
    };
    const report = (outcome: CallOutcome, id: unknown, code?: string, ref?: string): void => {
      if (resolved.onEvent !== null) {
        const event: GuardEvent = {
          type: 'call',
          action,
          id: typeof id === 'string' ? id : null,
          outcome,
          durationMs: performance.now() - startedAt,
        };
        if (code !== undefined) event.code = code;
        if (session !== null) event.principal = session.id;
        if (ref !== undefined) event.ref = ref;
        if (meta.baselined !== undefined && meta.baselined.length > 0) event.baselined = true;
        emit(event);
      }
      if (span !== null) {
        span.setAttribute('action_guard.outcome', outcome);
        if (typeof id === 'string') span.setAttribute('action_guard.id', id);
        if (code !== undefined) {
          span.setAttribute('action_guard.code', code);
          markSpanError(span, code);
        }
        span.end();
      }
    };

    try {
      if (resolved.origin === 'strict') {
        const headers = await readHeaders();
        if (looksLikeActionRequest(headers) && !headers.has('origin')) deny('ORIGIN_REJECTED');
      }

      // 1. Session.
      let resolvedSession = resolved.session();
      if (resolvedSession instanceof Promise) resolvedSession = await resolvedSession;
      if (resolvedSession !== null && resolvedSession !== undefined) {
        // Throws SessionShapeError naming the field (logged below): `roles` is checked as strictly as `id`.
        heldRoles = checkSession(resolvedSession).roles;
        session = resolvedSession;
      }

      // 2. Authentication and 3. roles, decided from the session alone, before any bucket is touched. Such a refusal
      // costs nothing in any bucket (docs/rate-limits.md): its answer is the same whatever the caller sends, so
      // repeating it enumerates nothing, and charging it anywhere would let anonymous callers spend a budget that
      // signed-in users share (`by:global`, a NAT's `by:ip`), or, per address, fill the store with buckets.
      // `@authorize` implies `@requiresAuth`: without a session it is refused here too, whatever the metadata says.
      const identityRefusal: FailureCode | null =
        (policy.auth === 'required' || meta.authorize !== null) && session === null
          ? 'UNAUTHENTICATED'
          : policy.roles.length > 0 && !holdsAnyRole(policy.roles, heldRoles)
            ? 'FORBIDDEN'
            : null;
      if (identityRefusal !== null) deny(identityRefusal);

      // 4. Rate limit. An admitted call (past validation and `@authorize`) counts in the bucket its `by:` names. A
      // call refused after this point (INVALID_INPUT, an `@authorize` refusal, a missing idempotency key) depends on
      // what the caller sent, so it counts too, but only in a bucket of the caller's own (`refuse`): its user
      // bucket, or, anonymous, a per-address bucket that admitted calls never use (nowhere without a trustworthy
      // address: the call is refused either way). No refused call ever spends a `by:global` bucket, a `by:ip`
      // bucket others behind the address share, or another user's bucket.
      //
      // `by:user` with a session is the caller's own bucket whatever the outcome: it is charged first, so a limited
      // caller never reaches validation or `@authorize`. Any other bucket is shared, so it is charged only once the
      // call is admitted, after `@authorize` has decided. With an idempotency key the admitted call's charge is made
      // in the claim's store round trip (rateLimitAndClaim).
      let rateLimitPending = policy.rateLimit !== null;
      let refusing = false;
      // null: this call counts against no bucket.
      const rateLimitKey = (): string | null | Promise<string | null> => {
        const scope = actionScope(action);
        if (refusing) {
          if (session !== null) return rateLimitKeys.user(scope, session.id);
          return clientIpOrNull().then((ip) => (ip === null ? null : rateLimitKeys.refusedAnonymous(scope, ip)));
        }
        const by = policy.rateLimit!.by;
        if (by === 'global') return rateLimitKeys.global(scope);
        if (by === 'user' && session !== null) return rateLimitKeys.user(scope, session.id);
        return requireClientIp().then((ip) => rateLimitKeys.ip(scope, ip));
      };
      const rateLimitStoreFailed = (error: unknown): void => {
        const allowed = resolved.rateLimitOnStoreError === 'allow';
        emit({ type: 'store-error', action, concern: 'rate-limit', decision: allowed ? 'allowed' : 'denied', message: errorMessage(error) });
        if (!allowed) deny('INTERNAL_ERROR', { ref: crypto.randomUUID() }, 'error');
      };
      // Synchronous (no promise, no microtask turn) when the key is at hand and the store is the memory store.
      const applyRateLimit = (): void | Promise<void> => {
        rateLimitPending = false;
        const { limit, windowSeconds } = policy.rateLimit!;
        const key = rateLimitKey();
        if (key === null) return;
        const core = synchronousCore(store);
        if (core === null || typeof key !== 'string') return applyRateLimitAsync(key, limit, windowSeconds);
        let decision: RateLimitDecision = { allowed: true, retryAfter: 0 };
        try {
          decision = core.rateLimit(key, limit, windowSeconds * 1000);
        } catch (error) {
          rateLimitStoreFailed(error);
        }
        if (!decision.allowed) deny('RATE_LIMITED', { retryAfter: decision.retryAfter });
      };
      const applyRateLimitAsync = async (pendingKey: string | Promise<string | null>, limit: number, windowSeconds: number): Promise<void> => {
        const key = await pendingKey;
        if (key === null) return;
        let decision: RateLimitDecision = { allowed: true, retryAfter: 0 };
        try {
          decision = await store.rateLimit(key, limit, windowSeconds * 1000);
        } catch (error) {
          rateLimitStoreFailed(error);
        }
        if (!decision.allowed) deny('RATE_LIMITED', { retryAfter: decision.retryAfter });
      };
      const ownBucketFirst = rateLimitPending && policy.rateLimit!.by === 'user' && session !== null;
      const mergeWithClaim =
        rateLimitPending &&
        policy.dedupe !== null &&
        (meta.authorize === null || !ownBucketFirst) &&
        typeof store.rateLimitAndClaim === 'function';
      if (ownBucketFirst && !mergeWithClaim) {
        const limited = applyRateLimit();
        if (limited !== undefined) await limited;
      }
      // A refusal from here on counts in the caller's own bucket first (RATE_LIMITED once that is spent).
      const refuse = async (code: FailureCode, details?: FailureDetails): Promise<never> => {
        if (rateLimitPending) {
          refusing = true;
          await applyRateLimit();
        }
        return deny(code, details);
      };

      // 5. Input and validation: every argument by the schema of its position (input.ts validateArguments), so
      // nothing a client sends (FormData, plain or `.bind` arguments, a previous state) reaches the body unvalidated:
      // the body, `@authorize` and the fingerprint see the validated values, never the arguments as sent.
      const positional = readPositionalSchemas(meta);
      let rawInput: unknown; // where `@dedupe key:<field>` is read: the last argument as its schema saw it
      let input: unknown;
      let inputs: readonly unknown[] = [];
      let callArgs = args;
      let checked: ArgumentsOutcome | Promise<ArgumentsOutcome> | null = null;
      try {
        // No schema at all happens only with the build's missing-schema check turned off: nothing to validate.
        if (positional === null) rawInput = input = extractInput(args);
        else checked = validateArguments(positional, args);
      } catch (error) {
        if (!(error instanceof ForbiddenFieldError)) throw error;
        return await refuse('INVALID_INPUT', { fieldErrors: {}, formErrors: [`Field "${error.field}" is not allowed.`] });
      }
      if (checked !== null) {
        const outcome = checked instanceof Promise ? await checked : checked;
        if (!outcome.ok) {
          return await refuse('INVALID_INPUT', { fieldErrors: outcome.errors.fieldErrors, formErrors: outcome.errors.formErrors });
        }
        rawInput = outcome.lastRaw;
        inputs = outcome.inputs;
        callArgs = outcome.args as typeof args;
        // One position: its value, as before. Several: the last one's, where a form's fields arrive.
        input = inputs.length === 1 ? inputs[0] : inputs[inputs.length - 1];
      }
      const schemas = positional?.schemas ?? [];

      // 6. @authorize. A refusal counts only in the caller's own bucket; an admitted call, in the action's.
      if (meta.authorize !== null) {
        if (session === null) deny('UNAUTHENTICATED');
        const authorize = meta.authorize();
        if ((await authorize({ session, input, inputs, args: callArgs })) !== true) await refuse('FORBIDDEN');
      }
      if (rateLimitPending && !mergeWithClaim) {
        const limited = applyRateLimit();
        if (limited !== undefined) await limited;
      }

      // 7. Idempotency claim.
      if (policy.dedupe !== null) {
        const { source, name, ttlSeconds } = policy.dedupe;
        // Every position counts: the same key with another bound id is another request (IDEMPOTENCY_KEY_MISMATCH).
        const quick = fingerprintInput(inputs.length > 1 ? inputs : input);
        const fingerprint = typeof quick === 'string' ? quick : await quick;
        const raw =
          source === 'input'
            ? null
            : source === 'header'
              ? (await readHeaders()).get(name ?? '')
              : (rawInput as Record<string, unknown> | null | undefined)?.[name ?? ''];
        if (source !== 'input' && (typeof raw !== 'string' || raw.trim() === '')) return await refuse('IDEMPOTENCY_KEY_REQUIRED');
        // Every part of the store key is length-prefixed (store-keys.ts), so no key or id can reach into another
        // principal's record.
        let storeKey: string;
        let owner: string;
        if (session !== null) {
          owner = recordOwners.user(session.id);
          // Only long keys are hashed, to bound what the store holds.
          storeKey =
            typeof raw !== 'string'
              ? idempotencyKeys.user(actionScope(action), session.id, 'f', fingerprint)
              : raw.length <= MAX_PLAIN_KEY_LENGTH
                ? idempotencyKeys.user(actionScope(action), session.id, 'k', raw)
                : idempotencyKeys.user(actionScope(action), session.id, 'h', await sha256Hex(raw));
        } else {
          // No principal: a stored result may go back only to whoever holds the key that made it. An input
          // fingerprint is no such key (anyone who sends the same input has it; the build refuses `@dedupe input`
          // on actions open to anonymous callers, and this holds even if meta says otherwise), and a client key is
          // one only if it cannot be guessed. The record is bound to the SHA-256 of the whole key.
          if (typeof raw !== 'string') {
            if (rateLimitPending) {
              refusing = true;
              await applyRateLimit();
            }
            reportAnonymousInputDedupe(action);
            return deny('INTERNAL_ERROR', { ref: crypto.randomUUID() }, 'error');
          }
          if (!isUnguessableKey(raw)) return await refuse('IDEMPOTENCY_KEY_REQUIRED');
          storeKey = idempotencyKeys.anonymous(actionScope(action), await sha256Hex(raw));
          // Whose quota the record counts against in stores that keep one (memoryStore): the caller's address
          // when a trustworthy one is known, else every anonymous caller's together.
          owner = recordOwners.anonymous(await clientIpOrNull());
        }
        const ttlMs = ttlSeconds * 1000;
        // Read the clock only once the key is found busy: the first answer is usually a claim or a replay, and the
        // wait is bounded from the moment a call first learns it has to wait.
        let deadline: number | null = null;
        for (let delay = 10; ; delay = Math.min(delay * 1.5, 200)) {
          let state: ClaimResult;
          // The memory store answers synchronously: no promise to await (see synchronousCore).
          const core = synchronousCore(store);
          try {
            let rateKey: string | null = null;
            if (rateLimitPending) {
              rateLimitPending = false;
              const pendingKey = rateLimitKey();
              rateKey = typeof pendingKey === 'string' || pendingKey === null ? pendingKey : await pendingKey;
            }
            if (rateKey !== null) {
              const { limit, windowSeconds } = policy.rateLimit!;
              const windowMs = windowSeconds * 1000;
              const both =
                core !== null
                  ? core.rateLimitAndClaim(rateKey, limit, windowMs, storeKey, fingerprint, resolved.leaseMs, ttlMs, owner)
                  : await store.rateLimitAndClaim!(rateKey, limit, windowMs, storeKey, fingerprint, resolved.leaseMs, ttlMs, owner);
              if (both.claim === null) deny('RATE_LIMITED', { retryAfter: both.rateLimit.retryAfter });
              state = both.claim;
            } else {
              state =
                core !== null
                  ? core.claim(storeKey, fingerprint, resolved.leaseMs, ttlMs, owner)
                  : await store.claim(storeKey, fingerprint, resolved.leaseMs, ttlMs, owner);
            }
          } catch (error) {
            if (error instanceof Denial) throw error;
            // No room for this principal's record (its quota, or the whole store, is full of live ones): the store
            // refused rather than evict anyone's record. Matched by name: the store may come from another bundle.
            if ((error as { name?: unknown } | null)?.name === 'StoreCapacityError') {
              const retryAfter = Number((error as { retryAfter?: unknown }).retryAfter);
              emit({ type: 'warning', code: 'idempotency-capacity', action, message: `action-guard: ${errorMessage(error)}` });
              deny('RATE_LIMITED', { retryAfter: Number.isFinite(retryAfter) && retryAfter >= 1 ? Math.ceil(retryAfter) : 1 });
            }
            // Fail closed: without a claim nothing guarantees the body runs only once.
            emit({ type: 'store-error', action, concern: 'idempotency', decision: 'denied', message: errorMessage(error) });
            deny('INTERNAL_ERROR', { ref: crypto.randomUUID() }, 'error');
          }
          if (state.status === 'claimed') {
            claim = { key: storeKey, token: state.token };
            break;
          }
          if (state.fingerprint !== fingerprint) deny('IDEMPOTENCY_KEY_MISMATCH');
          if (state.status === 'done') {
            if (state.result === UNREPLAYABLE) deny('INTERNAL_ERROR', { ref: crypto.randomUUID() }, 'error');
            const replay = replayStored(state.result) as Awaited<TResult>;
            finish('replayed');
            return replay;
          }
          deadline ??= Date.now() + resolved.waitMs;
          const remaining = deadline - Date.now();
          if (remaining <= 0) deny('IDEMPOTENCY_KEY_IN_USE', { retryAfter: 1 });
          await sleep(Math.min(delay, remaining));
        }

        // 8. Run, then 9. store the result under the claim (fenced by its token).
        const held = claim;
        let result: Awaited<TResult>;
        try {
          result = await runWithContext({ schemas, inputs, session }, () => runRevalidating(action, policy, inputs, () => impl(...callArgs)));
        } catch (error) {
          const digest = replayableDigest(error);
          if (digest !== null) {
            await completeClaim(held, THROWN_PREFIX + digest, ttlMs, action);
            claim = null;
          }
          throw error;
        }
        const serialized = serializeResult(result);
        if (serialized === null) {
          emit({ type: 'warning', code: 'idempotency-result-unserializable', action, message: 'action-guard: the result could not be stored for replay; repeats with this key get INTERNAL_ERROR.' });
        }
        const completing = completeClaim(held, serialized ?? UNREPLAYABLE, ttlMs, action);
        if (completing !== undefined) await completing;
        claim = null;
        finish('ok');
        return result;
      }

      const result = await runWithContext({ schemas, inputs, session }, () => runRevalidating(action, policy, inputs, () => impl(...callArgs)));
      finish('ok');
      return result;
    } catch (error) {
      if (error instanceof Denial) {
        finish(error.outcome, error.failure.error.code, error.failure.error.ref);
        return (await answerFailure(meta, error.failure, args, mapperHooks)) as Awaited<TResult> | ActionFailure;
      }
      // A body that threw gives its claim back so a retry can run (unless completeClaim already stored it).
      if (claim !== null) {
        const held = claim;
        claim = null;
        await store.release(held.key, held.token).catch((releaseError: unknown) => {
          emit({ type: 'store-error', action, concern: 'idempotency', decision: 'denied', message: errorMessage(releaseError) });
        });
      }
      const rethrow = await rethrowReady;
      try {
        rethrow(error);
      } catch (controlFlow) {
        finish('control-flow');
        throw controlFlow;
      }
      const ref = crypto.randomUUID();
      // A session of the wrong shape is the app's bug, not the caller's: it is always logged, with the field and
      // the ref the caller got, whether or not onError is set (INTERNAL_ERROR must never leave the log empty).
      if (error instanceof SessionShapeError) reportSessionShape(error, ref);
      if (resolved.onError !== null) {
        try {
          resolved.onError(error, { action, ref });
        } catch {
          // Reporting must not turn a returned failure into a crash.
        }
      }
      finish('error', 'INTERNAL_ERROR', ref);
      if (resolved.rethrowErrors) throw error;
      const failure = createFailure('INTERNAL_ERROR', { ref });
      return (await answerFailure(meta, failure, args, mapperHooks)) as Awaited<TResult> | ActionFailure;
    }
  }

  // An `@onFailure` mapper that throws is the app's bug: logged with the ref the caller gets, like a session of the
  // wrong shape, and passed to onError like a body's error (src/failure-mapper.ts).
  const mapperHooks: MapperHooks = {
    rethrow: rethrowReady,
    reportError: (error, action, ref) => {
      console.error(`action-guard: the @onFailure function of ${action} threw (ref ${ref}): ${errorMessage(error)}`);
      try {
        resolved.onError?.(error, { action, ref });
      } catch {
        // Reporting must not turn a returned failure into a crash.
      }
    },
  };

  // Stores a run's result under its claim. Synchronous with the memory store (nothing to await), a Promise with any
  // other; never rejects (a failed write is an event: the body already ran).
  function completeClaim(held: { key: string; token: string }, text: string, ttlMs: number, action: string): void | Promise<void> {
    const core = synchronousCore(store);
    if (core === null) return completeClaimAsync(held, text, ttlMs, action);
    try {
      if (!core.complete(held.key, held.token, text, ttlMs)) fenceLost(action);
    } catch (error) {
      completeFailed(action, error);
    }
  }

  async function completeClaimAsync(held: { key: string; token: string }, text: string, ttlMs: number, action: string): Promise<void> {
    try {
      if (!(await store.complete(held.key, held.token, text, ttlMs))) fenceLost(action);
    } catch (error) {
      completeFailed(action, error);
    }
  }

  // Once per field per runtime as an event; in the log every time, since each occurrence has its own ref.
  const reportedSessionFields = new Set<string>();
  function reportSessionShape(error: SessionShapeError, ref: string): void {
    console.error(`${error.message} (ref ${ref})`);
    if (reportedSessionFields.has(error.field)) return;
    reportedSessionFields.add(error.field);
    emit({ type: 'warning', code: 'session-invalid', message: error.message });
  }

  function fenceLost(action: string): void {
    emit({
      type: 'warning',
      code: 'idempotency-fence-lost',
      action,
      message: 'action-guard: the claim expired while the body ran and another call took the key over; this result was not stored.',
    });
  }

  function completeFailed(action: string, error: unknown): void {
    emit({ type: 'store-error', action, concern: 'idempotency', decision: 'denied', message: errorMessage(error) });
  }

  return { guard, guardCache, options: resolved };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
