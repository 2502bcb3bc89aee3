import type { ClaimResult, GuardStore, RateLimitDecision, RateLimitedClaim } from '../types.js';

/** Options of `memoryStore()`. */
export interface MemoryStoreOptions {
  /**
   * Most entries kept per concern (rate-limit buckets, idempotency keys). Past it the least recently written
   * entries are dropped first (live idempotency claims never are), so a flood of distinct keys cannot grow memory
   * without limit.
   * @default 50000
   */
  maxKeys?: number;
}

/** Thrown when every idempotency slot holds a live claim: refusing is safer than evicting a running claim. */
export class StoreCapacityError extends Error {
  override name = 'StoreCapacityError';
}

interface Expiring {
  expiresAt: number;
}

interface RateEntry extends Expiring {
  tat: number;
}

interface ClaimEntry extends Expiring {
  fingerprint: string;
  state: 'pending' | 'done';
  token: string;
  leaseUntil: number;
  result: string | null;
}

// How often (at most) a write sweeps every entry for expiry. A sweep is O(maxKeys) but happens at most once per
// interval, so its cost per write stays tiny while expired entries never outlive it by much.
const SWEEP_INTERVAL_MS = 1_000;

/**
 * A two-generation map (the quick-lru scheme): writes go to `current`; when it is full it becomes `previous` and the
 * old `previous` is dropped, so at most `2 × generationSize` entries exist and every operation is O(1) amortised.
 * (A single Map used as a queue degrades badly in V8: deleted slots at its front make each scan skip holes.)
 * `mustKeep` lets the idempotency map carry live claims into the new generation instead of dropping them.
 */
class BoundedMap<V extends Expiring> {
  private current = new Map<string, V>();
  private previous = new Map<string, V>();
  private nextSweepAt = 0;

  constructor(
    private readonly generationSize: number,
    private readonly mustKeep: (value: V, now: number) => boolean,
  ) {}

  get size(): number {
    return this.current.size + this.previous.size;
  }

  get(key: string, now: number): V | undefined {
    const value = this.current.get(key) ?? this.previous.get(key);
    if (value === undefined) return undefined;
    if (value.expiresAt <= now) {
      this.delete(key);
      return undefined;
    }
    return value;
  }

  set(key: string, value: V, now: number): void {
    if (now >= this.nextSweepAt) this.sweep(now);
    this.previous.delete(key);
    if (!this.current.has(key) && this.current.size >= this.generationSize) this.rotate(now);
    this.current.set(key, value);
  }

  delete(key: string): void {
    this.current.delete(key);
    this.previous.delete(key);
  }

  private sweep(now: number): void {
    this.nextSweepAt = now + SWEEP_INTERVAL_MS;
    for (const generation of [this.current, this.previous]) {
      for (const [key, value] of generation) if (value.expiresAt <= now) generation.delete(key);
    }
  }

  private rotate(now: number): void {
    const carried = new Map<string, V>();
    for (const [key, value] of this.previous) {
      if (value.expiresAt > now && this.mustKeep(value, now)) carried.set(key, value);
    }
    if (carried.size >= this.generationSize) {
      throw new StoreCapacityError(
        `memoryStore: ${carried.size} live idempotency claims fill the store; refusing a new key rather than evicting one`,
      );
    }
    this.previous = this.current;
    this.current = carried;
  }
}

/** The in-memory store: the default, correct for a single process. Use `redisStore()` across instances. */
export interface MemoryStore extends GuardStore {
  /** Number of entries currently held (rate-limit buckets + idempotency keys), for monitoring and tests. */
  size(): number;
}

/** Creates the in-process store (the default). Bounded: expired entries are reclaimed and the size is capped. */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const allowed = new Set(['maxKeys']);
  for (const key of Object.keys(options)) {
    if (!allowed.has(key)) throw new TypeError(`memoryStore: unknown option "${key}". Valid options: maxKeys.`);
  }
  const maxKeys = options.maxKeys ?? 50_000;
  if (!Number.isInteger(maxKeys) || maxKeys < 1) {
    throw new TypeError(`memoryStore: "maxKeys" must be a positive integer, got ${String(options.maxKeys)}.`);
  }
  // Each concern holds at most maxKeys entries: two generations of half that size.
  const generationSize = Math.max(1, Math.floor(maxKeys / 2));
  const buckets = new BoundedMap<RateEntry>(generationSize, () => false);
  // A pending claim whose lease is still running must not be dropped: that would let its key run twice.
  const claims = new BoundedMap<ClaimEntry>(generationSize, (entry, now) => entry.state === 'pending' && entry.leaseUntil > now);

  let lastToken = 0;

  // Synchronous cores: each operation is atomic simply because it never yields. The store methods wrap them in
  // already-resolved promises (no `async` frames), which keeps the guard's hot path short.
  function rateLimit(key: string, limit: number, windowMs: number): RateLimitDecision {
    // GCRA: `tat` is the theoretical arrival time of the next call; a burst of `limit` is allowed per window.
    const now = Date.now();
    const interval = windowMs / limit;
    const tat = Math.max(buckets.get(key, now)?.tat ?? now, now);
    const nextTat = tat + interval;
    const allowAt = nextTat - windowMs;
    if (allowAt > now) return { allowed: false, retryAfter: Math.max(1, Math.ceil((allowAt - now) / 1000)) };
    buckets.set(key, { tat: nextTat, expiresAt: nextTat }, now);
    return { allowed: true, retryAfter: 0 };
  }

  function claim(key: string, fingerprint: string, leaseMs: number, ttlMs: number): ClaimResult {
    const now = Date.now();
    const entry = claims.get(key, now);
    if (entry !== undefined) {
      if (entry.state === 'done') return { status: 'done', fingerprint: entry.fingerprint, result: entry.result ?? '' };
      if (entry.leaseUntil > now || entry.fingerprint !== fingerprint) {
        return { status: 'pending', fingerprint: entry.fingerprint };
      }
    }
    // Fencing tokens only need to be unique within this store, so a counter does (no entropy on the hot path).
    const token = String(++lastToken);
    claims.set(
      key,
      { fingerprint, state: 'pending', token, leaseUntil: now + leaseMs, result: null, expiresAt: now + Math.max(ttlMs, leaseMs) },
      now,
    );
    return { status: 'claimed', token };
  }

  const attempt = <T>(operation: () => T): Promise<T> => {
    try {
      return Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(error);
    }
  };

  const store: MemoryStore = {
    kind: 'memory',
    size: () => buckets.size + claims.size,
    rateLimit: (key, limit, windowMs) => attempt(() => rateLimit(key, limit, windowMs)),
    claim: (key, fingerprint, leaseMs, ttlMs) => attempt(() => claim(key, fingerprint, leaseMs, ttlMs)),

    complete: (key, token, result, ttlMs) =>
      attempt(() => {
        const now = Date.now();
        const entry = claims.get(key, now);
        if (entry === undefined || entry.token !== token) return false;
        entry.state = 'done';
        entry.result = result;
        entry.expiresAt = now + ttlMs;
        claims.set(key, entry, now);
        return true;
      }),

    release: (key, token) =>
      attempt(() => {
        const entry = claims.get(key, Date.now());
        if (entry !== undefined && entry.token === token) claims.delete(key);
      }),

    rateLimitAndClaim: (rateKey, limit, windowMs, claimKey, fingerprint, leaseMs, ttlMs) =>
      attempt((): RateLimitedClaim => {
        const decision = rateLimit(rateKey, limit, windowMs);
        if (!decision.allowed) return { rateLimit: { ...decision, allowed: false }, claim: null };
        return { rateLimit: { allowed: true, retryAfter: 0 }, claim: claim(claimKey, fingerprint, leaseMs, ttlMs) };
      }),
  };
  return store;
}
