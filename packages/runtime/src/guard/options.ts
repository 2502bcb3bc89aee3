// Step 0, once per runtime: the options an app passes to `defineRuntime()`, validated strictly and defaulted.
import { resolveClientIp, type ClientIpOption, type ClientIpReader } from '../client-ip.js';
import { readNextHeaders } from '../next-interop.js';
import { memoryStore } from '../stores/memory-store.js';
import type { TracerLike } from '../telemetry.js';
import type { GuardEvent, GuardStore, Session } from '../types.js';

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
