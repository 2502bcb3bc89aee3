import type { ClaimResult, GuardStore, RateLimitDecision } from '../types.js';

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
  /** Which generation of its BoundedMap holds the entry; written by the map (create entries with 0). */
  generation: number;
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
  /** Number of `current`; entries carry the number of the generation they were written to. */
  private generation = 1;
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
    value.generation = this.generation;
    this.current.set(key, value);
  }

  /** `set()` for a key that `get()` just missed: no stale copy can exist, so two of its three lookups are spared. */
  insert(key: string, value: V, now: number): void {
    if (now >= this.nextSweepAt) this.sweep(now);
    if (this.current.size >= this.generationSize) this.rotate(now);
    value.generation = this.generation;
    this.current.set(key, value);
  }

  /**
   * Marks `value` (returned by `get()` and changed in place) as just written: an entry already in the current
   * generation stays where it is; one in the previous generation moves up, exactly as `set()` would move it.
   */
  touch(key: string, value: V, now: number): void {
    if (value.generation !== this.generation) this.set(key, value, now);
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
    this.generation++;
    for (const value of carried.values()) value.generation = this.generation;
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
  // already-resolved promises (no `async` frames); the guard calls the cores directly (see `synchronousCore()`).
  // Entries are updated in place where they exist, so a call allocates no map entry it does not keep.
  function rateLimit(key: string, limit: number, windowMs: number, now: number): RateLimitDecision {
    // GCRA: `tat` is the theoretical arrival time of the next call; a burst of `limit` is allowed per window.
    const interval = windowMs / limit;
    const bucket = buckets.get(key, now);
    const tat = bucket === undefined || bucket.tat < now ? now : bucket.tat;
    const nextTat = tat + interval;
    const allowAt = nextTat - windowMs;
    if (allowAt > now) return { allowed: false, retryAfter: Math.max(1, Math.ceil((allowAt - now) / 1000)) };
    if (bucket === undefined) {
      buckets.insert(key, { tat: nextTat, expiresAt: nextTat, generation: 0 }, now);
    } else {
      bucket.tat = nextTat;
      bucket.expiresAt = nextTat;
      buckets.touch(key, bucket, now);
    }
    return { allowed: true, retryAfter: 0 };
  }

  function claim(key: string, fingerprint: string, leaseMs: number, ttlMs: number, now: number): ClaimResult {
    const entry = claims.get(key, now);
    if (entry !== undefined) {
      if (entry.state === 'done') return { status: 'done', fingerprint: entry.fingerprint, result: entry.result ?? '' };
      if (entry.leaseUntil > now || entry.fingerprint !== fingerprint) {
        return { status: 'pending', fingerprint: entry.fingerprint };
      }
    }
    // Fencing tokens only need to be unique within this store, so a counter does (no entropy on the hot path).
    const token = String(++lastToken);
    const claimed: ClaimEntry = {
      fingerprint,
      state: 'pending',
      token,
      leaseUntil: now + leaseMs,
      result: null,
      expiresAt: now + Math.max(ttlMs, leaseMs),
      generation: 0,
    };
    // A lease taken over replaces the expired entry wherever it sits; a new key is simply inserted.
    if (entry === undefined) claims.insert(key, claimed, now);
    else claims.set(key, claimed, now);
    return { status: 'claimed', token };
  }

  function complete(key: string, token: string, result: string, ttlMs: number): boolean {
    const now = Date.now();
    const entry = claims.get(key, now);
    if (entry === undefined || entry.token !== token) return false;
    entry.state = 'done';
    entry.result = result;
    entry.expiresAt = now + ttlMs;
    claims.touch(key, entry, now);
    return true;
  }

  const rateLimitAndClaim: SynchronousStoreCore['rateLimitAndClaim'] = (rateKey, limit, windowMs, claimKey, fingerprint, leaseMs, ttlMs) => {
    const now = Date.now();
    const decision = rateLimit(rateKey, limit, windowMs, now);
    if (!decision.allowed) return { rateLimit: { ...decision, allowed: false }, claim: null };
    return { rateLimit: { allowed: true, retryAfter: 0 }, claim: claim(claimKey, fingerprint, leaseMs, ttlMs, now) };
  };

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
    rateLimit: (key, limit, windowMs) => attempt(() => rateLimit(key, limit, windowMs, Date.now())),
    claim: (key, fingerprint, leaseMs, ttlMs) => attempt(() => claim(key, fingerprint, leaseMs, ttlMs, Date.now())),
    complete: (key, token, result, ttlMs) => attempt(() => complete(key, token, result, ttlMs)),
    release: (key, token) =>
      attempt(() => {
        const entry = claims.get(key, Date.now());
        if (entry !== undefined && entry.token === token) claims.delete(key);
      }),
    rateLimitAndClaim: (rateKey, limit, windowMs, claimKey, fingerprint, leaseMs, ttlMs) =>
      attempt(() => rateLimitAndClaim(rateKey, limit, windowMs, claimKey, fingerprint, leaseMs, ttlMs)),
  };
  CORES.set(store, {
    core: {
      rateLimit: (key, limit, windowMs) => rateLimit(key, limit, windowMs, Date.now()),
      claim: (key, fingerprint, leaseMs, ttlMs) => claim(key, fingerprint, leaseMs, ttlMs, Date.now()),
      complete,
      rateLimitAndClaim,
    },
    methods: { rateLimit: store.rateLimit, claim: store.claim, complete: store.complete, rateLimitAndClaim: store.rateLimitAndClaim },
  });
  return store;
}

type CoreMethods = Pick<GuardStore, 'rateLimit' | 'claim' | 'complete' | 'rateLimitAndClaim'>;

/**
 * The same operations as a store's methods (same parameters), answered synchronously: what `memoryStore()` does
 * inside its promises. Errors (a full store) are thrown instead of rejected.
 */
export type SynchronousStoreCore = {
  [K in keyof CoreMethods]-?: (...args: Parameters<NonNullable<CoreMethods[K]>>) => Awaited<ReturnType<NonNullable<CoreMethods[K]>>>;
};

// Keyed by the store object itself, so a copy (`{ ...memoryStore(), claim: spy }`) or a wrapper is never taken for
// the original, and the guard goes through the copy's own methods. A store made by another bundled copy of this
// module is not found here either: it simply goes through its (promise-returning) methods.
const CORES = new WeakMap<GuardStore, { core: SynchronousStoreCore; methods: CoreMethods }>();

/**
 * The synchronous core behind `store` when it is a `memoryStore()` whose methods are still its own, else null.
 * Why: every awaited promise costs the guard a microtask turn (and, with AsyncLocalStorage active, promise-hook
 * work); a call on the memory store needs none of them. Checked per call, because an app may replace a method later.
 */
export function synchronousCore(store: GuardStore): SynchronousStoreCore | null {
  const entry = CORES.get(store);
  if (entry === undefined) return null;
  const { methods } = entry;
  const intact =
    store.rateLimit === methods.rateLimit &&
    store.claim === methods.claim &&
    store.complete === methods.complete &&
    store.rateLimitAndClaim === methods.rateLimitAndClaim;
  return intact ? entry.core : null;
}
