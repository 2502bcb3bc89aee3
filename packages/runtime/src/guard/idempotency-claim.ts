// Step 7: the idempotency claim (`@dedupe`). The call's record key is derived from its principal and key (or input
// fingerprint); the claim either lets this call run the body (and later store its result under the claim, fenced by
// the claim's token), replays a stored result, or waits for a running first call. With the memory store and a key at
// hand, nothing here returns a promise (synchronousCore).
import { fingerprintInput, isUnguessableKey, sha256Hex, UNREPLAYABLE } from '../idempotency.js';
import { synchronousCore } from '../stores/memory-store.js';
import { actionScope, idempotencyKeys, recordOwners } from '../store-keys.js';
import type { ClaimResult, NormalizedPolicy } from '../types.js';
import { clientIpOrNull, readCallHeaders, type GuardCall, type HeldClaim, type RuntimeContext } from './call.js';
import { deny, Denial, denyInternal } from './denial.js';
import { replayStored } from './next-control-flow.js';
import type { CallRateLimit } from './rate-limit.js';
import { errorMessage } from './reporting.js';
import type { ValidatedCall } from './validate.js';

export type DedupeRule = NonNullable<NormalizedPolicy['dedupe']>;

/** Idempotency keys up to this length are stored as they are; longer ones as their SHA-256. */
export const MAX_PLAIN_KEY_LENGTH = 128;

/** Where one call's result lives in the store. */
export interface IdempotencyRecord {
  storeKey: string;
  /** Whose quota the record counts against (store-keys.ts recordOwners). */
  owner: string;
  fingerprint: string;
  ttlMs: number;
}

/**
 * The record, or why the call cannot have one: `IDEMPOTENCY_KEY_REQUIRED` (no key, or an anonymous caller's key that
 * could be guessed), or `anonymous-input` (`@dedupe input` without a session: INTERNAL_ERROR, see below).
 */
export type RecordResult = { ok: true; record: IdempotencyRecord } | { ok: false; refusal: 'IDEMPOTENCY_KEY_REQUIRED' | 'anonymous-input' };

const KEY_REQUIRED: RecordResult = { ok: false, refusal: 'IDEMPOTENCY_KEY_REQUIRED' };

/** Finds the call's record. Synchronous for a signed-in caller with a plain key (or `input`) and a synchronous fingerprint. */
export function idempotencyRecord(
  context: RuntimeContext,
  call: GuardCall,
  validated: ValidatedCall,
  dedupe: DedupeRule,
): RecordResult | Promise<RecordResult> {
  // Every position counts: the same key with another bound id is another request (IDEMPOTENCY_KEY_MISMATCH).
  const quick = fingerprintInput(validated.inputs.length > 1 ? validated.inputs : validated.input);
  const { session } = call;
  if (typeof quick !== 'string' || dedupe.source === 'header' || session === null) {
    return idempotencyRecordAsync(context, call, validated, dedupe, quick);
  }
  const raw = dedupe.source === 'input' ? null : keyField(validated.rawInput, dedupe.name);
  if (dedupe.source !== 'input' && !isPresentKey(raw)) return KEY_REQUIRED;
  if (typeof raw === 'string' && raw.length > MAX_PLAIN_KEY_LENGTH) return idempotencyRecordAsync(context, call, validated, dedupe, quick);
  const storeKey = userStoreKey(call.action, session.id, raw as string | null, quick, null);
  return { ok: true, record: { storeKey, owner: recordOwners.user(session.id), fingerprint: quick, ttlMs: dedupe.ttlSeconds * 1000 } };
}

async function idempotencyRecordAsync(
  context: RuntimeContext,
  call: GuardCall,
  validated: ValidatedCall,
  dedupe: DedupeRule,
  quick: string | Promise<string>,
): Promise<RecordResult> {
  const { source, name } = dedupe;
  const fingerprint = typeof quick === 'string' ? quick : await quick;
  const raw =
    source === 'input' ? null : source === 'header' ? (await readCallHeaders(context, call)).get(name ?? '') : keyField(validated.rawInput, name);
  if (source !== 'input' && !isPresentKey(raw)) return KEY_REQUIRED;
  const ttlMs = dedupe.ttlSeconds * 1000;
  const { session } = call;
  // Every part of the store key is length-prefixed (store-keys.ts), so no key or id can reach into another
  // principal's record.
  if (session !== null) {
    const key = raw as string | null;
    const hashed = key !== null && key.length > MAX_PLAIN_KEY_LENGTH ? await sha256Hex(key) : null;
    return { ok: true, record: { storeKey: userStoreKey(call.action, session.id, key, fingerprint, hashed), owner: recordOwners.user(session.id), fingerprint, ttlMs } };
  }
  // No principal: a stored result may go back only to whoever holds the key that made it. An input fingerprint is no
  // such key (anyone who sends the same input has it; the build refuses `@dedupe input` on actions open to anonymous
  // callers, and this holds even if meta says otherwise), and a client key is one only if it cannot be guessed. The
  // record is bound to the SHA-256 of the whole key.
  if (typeof raw !== 'string') return { ok: false, refusal: 'anonymous-input' };
  if (!isUnguessableKey(raw)) return KEY_REQUIRED;
  const storeKey = idempotencyKeys.anonymous(actionScope(call.action), await sha256Hex(raw));
  // Whose quota the record counts against in stores that keep one (memoryStore): the caller's address when a
  // trustworthy one is known, else every anonymous caller's together.
  const owner = recordOwners.anonymous(await clientIpOrNull(context, call));
  return { ok: true, record: { storeKey, owner, fingerprint, ttlMs } };
}

function keyField(rawInput: unknown, name: string | null): unknown {
  return (rawInput as Record<string, unknown> | null | undefined)?.[name ?? ''];
}

function isPresentKey(raw: unknown): boolean {
  return typeof raw === 'string' && raw.trim() !== '';
}

/** A signed-in caller's record key: by fingerprint (`@dedupe input`), by key, or (only long keys) by the key's SHA-256. */
function userStoreKey(action: string, sessionId: string, key: string | null, fingerprint: string, hashed: string | null): string {
  const scope = actionScope(action);
  if (key === null) return idempotencyKeys.user(scope, sessionId, 'f', fingerprint);
  if (hashed !== null) return idempotencyKeys.user(scope, sessionId, 'h', hashed);
  return idempotencyKeys.user(scope, sessionId, 'k', key);
}

/** What the claim decided: this call runs the body (its claim is in `call.claim`), or gets the stored result. */
export type ClaimOutcome = { status: 'claimed' } | { status: 'replay'; value: unknown };

const CLAIMED: ClaimOutcome = { status: 'claimed' };

/**
 * Claims the record, charging a still pending rate limit in the same store operation (rateLimitAndClaim).
 * Synchronous with the memory store when the rate-limit key is at hand and the first answer is a claim or a replay.
 */
export function claimRecord(
  context: RuntimeContext,
  call: GuardCall,
  record: IdempotencyRecord,
  rateLimit: CallRateLimit | null,
): ClaimOutcome | Promise<ClaimOutcome> {
  let rateKey: string | null = null;
  if (rateLimit !== null && rateLimit.pending) {
    const pendingKey = rateLimit.takeKey();
    if (pendingKey !== null && typeof pendingKey !== 'string') return claimRecordAsync(context, call, record, pendingKey, null);
    rateKey = pendingKey;
  }
  const state = attemptClaim(context, call, record, rateKey);
  if (state instanceof Promise) return claimRecordAsync(context, call, record, null, state);
  return decideClaim(call, record, state) ?? claimRecordAsync(context, call, record, null, state);
}

async function claimRecordAsync(
  context: RuntimeContext,
  call: GuardCall,
  record: IdempotencyRecord,
  pendingRateKey: Promise<string | null> | null,
  first: ClaimResult | Promise<ClaimResult> | null,
): Promise<ClaimOutcome> {
  let state: ClaimResult | Promise<ClaimResult> | null = first ?? attemptClaim(context, call, record, pendingRateKey === null ? null : await pendingRateKey);
  // Read the clock only once the key is found busy: the first answer is usually a claim or a replay, and the wait is
  // bounded from the moment a call first learns it has to wait.
  let deadline: number | null = null;
  for (let delay = 10; ; delay = Math.min(delay * 1.5, 200)) {
    state ??= attemptClaim(context, call, record, null);
    const outcome = decideClaim(call, record, state instanceof Promise ? await state : state);
    if (outcome !== null) return outcome;
    state = null;
    deadline ??= Date.now() + context.resolved.waitMs;
    const remaining = deadline - Date.now();
    if (remaining <= 0) deny('IDEMPOTENCY_KEY_IN_USE', { retryAfter: 1 });
    await sleep(Math.min(delay, remaining));
  }
}

/** One claim attempt; with `rateKey`, after charging that bucket in the same operation. */
export function attemptClaim(context: RuntimeContext, call: GuardCall, record: IdempotencyRecord, rateKey: string | null): ClaimResult | Promise<ClaimResult> {
  const { store, resolved } = context;
  const { storeKey, fingerprint, ttlMs, owner } = record;
  // The memory store answers synchronously: no promise to await (see synchronousCore).
  const core = synchronousCore(store);
  try {
    if (rateKey !== null) {
      const { limit, windowSeconds } = call.meta.policy.rateLimit!;
      const windowMs = windowSeconds * 1000;
      if (core !== null) return claimAfterCharge(core.rateLimitAndClaim(rateKey, limit, windowMs, storeKey, fingerprint, resolved.leaseMs, ttlMs, owner));
      return store.rateLimitAndClaim!(rateKey, limit, windowMs, storeKey, fingerprint, resolved.leaseMs, ttlMs, owner).then(claimAfterCharge, (error: unknown) => claimFailed(context, call, error));
    }
    if (core !== null) return core.claim(storeKey, fingerprint, resolved.leaseMs, ttlMs, owner);
    return store.claim(storeKey, fingerprint, resolved.leaseMs, ttlMs, owner).then(undefined, (error: unknown) => claimFailed(context, call, error));
  } catch (error) {
    return claimFailed(context, call, error);
  }
}

function claimAfterCharge(both: { rateLimit: { retryAfter: number }; claim: ClaimResult | null }): ClaimResult {
  if (both.claim === null) deny('RATE_LIMITED', { retryAfter: both.rateLimit.retryAfter });
  return both.claim;
}

/** A store that could not claim: fail closed, since without a claim nothing guarantees the body runs only once. */
function claimFailed(context: RuntimeContext, call: GuardCall, error: unknown): never {
  if (error instanceof Denial) throw error;
  // No room for this principal's record (its quota, or the whole store, is full of live ones): the store refused
  // rather than evict anyone's record. Matched by name: the store may come from another bundle.
  if ((error as { name?: unknown } | null)?.name === 'StoreCapacityError') {
    const retryAfter = Number((error as { retryAfter?: unknown }).retryAfter);
    context.reporter.emit({ type: 'warning', code: 'idempotency-capacity', action: call.action, message: `action-guard: ${errorMessage(error)}` });
    deny('RATE_LIMITED', { retryAfter: Number.isFinite(retryAfter) && retryAfter >= 1 ? Math.ceil(retryAfter) : 1 });
  }
  context.reporter.storeError(call.action, 'idempotency', 'denied', error);
  return denyInternal();
}

/** What a claim answer means for the call; null: the key is busy (a first call is still running), so wait. */
export function decideClaim(call: GuardCall, record: IdempotencyRecord, state: ClaimResult): ClaimOutcome | null {
  if (state.status === 'claimed') {
    call.claim = { key: record.storeKey, token: state.token };
    return CLAIMED;
  }
  if (state.fingerprint !== record.fingerprint) deny('IDEMPOTENCY_KEY_MISMATCH');
  if (state.status === 'done') {
    if (state.result === UNREPLAYABLE) denyInternal();
    return { status: 'replay', value: replayStored(state.result) };
  }
  return null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Stores a run's result under its claim. Synchronous with the memory store (nothing to await), a Promise with any
 * other; never rejects (a failed write is an event: the body already ran).
 */
export function completeClaim(context: RuntimeContext, action: string, held: HeldClaim, text: string, ttlMs: number): void | Promise<void> {
  const core = synchronousCore(context.store);
  if (core === null) return completeClaimAsync(context, action, held, text, ttlMs);
  try {
    if (!core.complete(held.key, held.token, text, ttlMs)) fenceLost(context, action);
  } catch (error) {
    context.reporter.storeError(action, 'idempotency', 'denied', error);
  }
}

async function completeClaimAsync(context: RuntimeContext, action: string, held: HeldClaim, text: string, ttlMs: number): Promise<void> {
  try {
    if (!(await context.store.complete(held.key, held.token, text, ttlMs))) fenceLost(context, action);
  } catch (error) {
    context.reporter.storeError(action, 'idempotency', 'denied', error);
  }
}

function fenceLost(context: RuntimeContext, action: string): void {
  context.reporter.emit({
    type: 'warning',
    code: 'idempotency-fence-lost',
    action,
    message: 'action-guard: the claim expired while the body ran and another call took the key over; this result was not stored.',
  });
}

/** Gives a thrown body's claim back so a retry can run; a failed release is an event. */
export async function releaseClaim(context: RuntimeContext, call: GuardCall): Promise<void> {
  const held = call.claim;
  if (held === null) return;
  call.claim = null;
  await context.store.release(held.key, held.token).catch((error: unknown) => {
    context.reporter.storeError(call.action, 'idempotency', 'denied', error);
  });
}
