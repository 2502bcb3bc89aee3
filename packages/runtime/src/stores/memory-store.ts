import type { ClaimResult, GuardStore, RateLimitDecision } from '../types.js';

/** Options of `memoryStore()`. */
export interface MemoryStoreOptions {
  /**
   * Most entries kept per concern (rate-limit buckets, idempotency keys). Past it the least recently written
   * entries are dropped first, so a flood of distinct keys cannot grow memory without limit.
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

// How many entries at the old end each write inspects for expiry. A small constant keeps writes O(1) while
// steadily reclaiming expired entries (insertion order approximates expiry order for one concern).
const RECLAIM_PER_WRITE = 4;
// How far eviction looks for a victim that is not a live claim before refusing the write.
const EVICTION_SCAN = 64;

/**
 * A Map kept in write order (a rewrite moves the key to the end) with lazy expiry and a hard size cap.
 * `canEvict` lets the idempotency map protect live claims from eviction.
 */
class BoundedMap<V extends Expiring> {
  readonly entries = new Map<string, V>();

  constructor(
    private readonly maxKeys: number,
    private readonly canEvict: (value: V, now: number) => boolean,
  ) {}

  get(key: string, now: number): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    if (value.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return value;
  }

  set(key: string, value: V, now: number): void {
    const existed = this.entries.delete(key);
    if (!existed) this.makeRoom(now);
    this.entries.set(key, value);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  private makeRoom(now: number): void {
    let inspected = 0;
    for (const [key, value] of this.entries) {
      if (inspected++ >= RECLAIM_PER_WRITE) break;
      if (value.expiresAt <= now) this.entries.delete(key);
    }
    if (this.entries.size < this.maxKeys) return;
    inspected = 0;
    for (const [key, value] of this.entries) {
      if (inspected++ >= EVICTION_SCAN) break;
      if (value.expiresAt <= now || this.canEvict(value, now)) {
        this.entries.delete(key);
        return;
      }
    }
    throw new StoreCapacityError(
      `memoryStore: all of the oldest ${EVICTION_SCAN} idempotency entries are live claims; refusing a new key`,
    );
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
  const buckets = new BoundedMap<RateEntry>(maxKeys, () => true);
  // A pending claim whose lease is still running must not be evicted: that would let its key run twice.
  const claims = new BoundedMap<ClaimEntry>(maxKeys, (entry, now) => entry.state === 'done' || entry.leaseUntil <= now);

  return {
    kind: 'memory',
    size: () => buckets.entries.size + claims.entries.size,

    async rateLimit(key, limit, windowMs): Promise<RateLimitDecision> {
      // GCRA: `tat` is the theoretical arrival time of the next call; a burst of `limit` is allowed per window.
      const now = Date.now();
      const interval = windowMs / limit;
      const tat = Math.max(buckets.get(key, now)?.tat ?? now, now);
      const nextTat = tat + interval;
      const allowAt = nextTat - windowMs;
      if (allowAt > now) return { allowed: false, retryAfter: Math.max(1, Math.ceil((allowAt - now) / 1000)) };
      buckets.set(key, { tat: nextTat, expiresAt: nextTat }, now);
      return { allowed: true, retryAfter: 0 };
    },

    async claim(key, fingerprint, leaseMs, ttlMs): Promise<ClaimResult> {
      const now = Date.now();
      const entry = claims.get(key, now);
      if (entry !== undefined) {
        if (entry.state === 'done') return { status: 'done', fingerprint: entry.fingerprint, result: entry.result ?? '' };
        if (entry.leaseUntil > now || entry.fingerprint !== fingerprint) {
          return { status: 'pending', fingerprint: entry.fingerprint };
        }
      }
      const token = crypto.randomUUID();
      claims.set(
        key,
        { fingerprint, state: 'pending', token, leaseUntil: now + leaseMs, result: null, expiresAt: now + Math.max(ttlMs, leaseMs) },
        now,
      );
      return { status: 'claimed', token };
    },

    async complete(key, token, result, ttlMs): Promise<boolean> {
      const now = Date.now();
      const entry = claims.get(key, now);
      if (entry === undefined || entry.token !== token) return false;
      claims.set(key, { ...entry, state: 'done', result, expiresAt: now + ttlMs }, now);
      return true;
    },

    async release(key, token): Promise<void> {
      const entry = claims.get(key, Date.now());
      if (entry !== undefined && entry.token === token) claims.delete(key);
    },
  };
}
