// Step 6: the rate limit (docs/rate-limits.md). An admitted call (past validation and `@authorize`) counts in the
// bucket its `by:` names. A call refused after identity (INVALID_INPUT, an `@authorize` refusal, a missing idempotency
// key) depends on what the caller sent, so it counts too, but only in a bucket of the caller's own: its user bucket,
// or, anonymous, a per-address bucket that admitted calls never use (nowhere without a trustworthy address: the call
// is refused either way). No refused call ever spends a `by:global` bucket, a `by:ip` bucket others behind the
// address share, or another user's bucket.
//
// `by:user` with a session is the caller's own bucket whatever the outcome: it is charged first, so a limited caller
// never reaches validation or `@authorize`. Any other bucket is shared, so it is charged only once the call is
// admitted, after `@authorize` has decided. With an idempotency key the admitted call's charge is made in the claim's
// store round trip (rateLimitAndClaim, idempotency-claim.ts).
import { synchronousCore } from '../stores/memory-store.js';
import { actionScope, rateLimitKeys } from '../store-keys.js';
import type { NormalizedPolicy, RateLimitDecision, Session } from '../types.js';
import { clientIpOrNull, requireClientIp, type GuardCall, type RuntimeContext } from './call.js';
import { deny, denyInternal } from './denial.js';

export type RateLimitRule = NonNullable<NormalizedPolicy['rateLimit']>;

/** One call's charge against its action's `@rateLimit`; made once the session is known. */
export class CallRateLimit {
  /** Whether the call is still to be charged (each call is charged at most once). */
  pending = true;
  /** Set once the call is being refused: it is then charged in the caller's own bucket only. */
  private refusing = false;
  /** The caller's own bucket: charged before validation, whatever the outcome. */
  readonly ownBucketFirst: boolean;
  /** The admitted call's charge rides on the idempotency claim's round trip. */
  readonly mergeWithClaim: boolean;

  constructor(
    private readonly context: RuntimeContext,
    private readonly call: GuardCall,
    readonly rule: RateLimitRule,
  ) {
    this.ownBucketFirst = rule.by === 'user' && call.session !== null;
    this.mergeWithClaim =
      call.meta.policy.dedupe !== null &&
      (call.meta.authorize === null || !this.ownBucketFirst) &&
      typeof context.store.rateLimitAndClaim === 'function';
  }

  /** The bucket this call counts in; null: in none. */
  key(): string | null | Promise<string | null> {
    const { call, context } = this;
    const scope = actionScope(call.action);
    const session: Session | null = call.session;
    if (this.refusing) {
      if (session !== null) return rateLimitKeys.user(scope, session.id);
      return clientIpOrNull(context, call).then((ip) => (ip === null ? null : rateLimitKeys.refusedAnonymous(scope, ip)));
    }
    const { by } = this.rule;
    if (by === 'global') return rateLimitKeys.global(scope);
    if (by === 'user' && session !== null) return rateLimitKeys.user(scope, session.id);
    return requireClientIp(context, call).then((ip) => rateLimitKeys.ip(scope, ip));
  }

  /** Takes the pending charge over (for rateLimitAndClaim): the bucket's key, and nothing left to charge here. */
  takeKey(): string | null | Promise<string | null> {
    this.pending = false;
    return this.key();
  }

  /** Charges the call. Synchronous (no promise, no microtask turn) when the key is at hand and the store is the memory store. */
  charge(): void | Promise<void> {
    this.pending = false;
    const key = this.key();
    if (key === null) return;
    const core = synchronousCore(this.context.store);
    if (core === null || typeof key !== 'string') return this.chargeAsync(key);
    let decision: RateLimitDecision = { allowed: true, retryAfter: 0 };
    try {
      decision = core.rateLimit(key, this.rule.limit, this.rule.windowSeconds * 1000);
    } catch (error) {
      this.storeFailed(error);
    }
    if (!decision.allowed) deny('RATE_LIMITED', { retryAfter: decision.retryAfter });
  }

  /** Charges a call being refused, in the caller's own bucket (see the top of this file), if it is still uncharged. */
  chargeRefused(): void | Promise<void> {
    if (!this.pending) return;
    this.refusing = true;
    return this.charge();
  }

  private async chargeAsync(pendingKey: string | Promise<string | null>): Promise<void> {
    const key = await pendingKey;
    if (key === null) return;
    let decision: RateLimitDecision = { allowed: true, retryAfter: 0 };
    try {
      decision = await this.context.store.rateLimit(key, this.rule.limit, this.rule.windowSeconds * 1000);
    } catch (error) {
      this.storeFailed(error);
    }
    if (!decision.allowed) deny('RATE_LIMITED', { retryAfter: decision.retryAfter });
  }

  /** A store outage: fail closed (INTERNAL_ERROR) or open, per `rateLimit.onStoreError`; an event either way. */
  private storeFailed(error: unknown): void {
    const allowed = this.context.resolved.rateLimitOnStoreError === 'allow';
    this.context.reporter.storeError(this.call.action, 'rate-limit', allowed ? 'allowed' : 'denied', error);
    if (!allowed) denyInternal();
  }
}
