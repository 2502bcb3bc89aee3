import { UNREPLAYABLE } from '../idempotency.js';
import type { ClaimResult, GuardStore, RateLimitDecision } from '../types.js';

/** Options of `memoryStore()`. */
export interface MemoryStoreOptions {
  /**
   * Most rate-limit buckets kept (each holds one number under its key). Past it the least recently written buckets
   * are dropped first, so a flood of distinct callers cannot grow memory without limit.
   * @default 50000
   */
  maxKeys?: number;
  /**
   * Most bytes of idempotency records kept: keys, fingerprints and stored results, measured as they are written
   * (2 bytes per character, plus a fixed 200 per record). Records are never evicted before they expire, so one
   * caller's flood cannot drop another's finished record (whose retry would then run the body again): a claim that
   * does not fit fails instead (`RATE_LIMITED` with `retryAfter`), after expired records are reclaimed.
   * @default 67108864 (64 MiB)
   */
  maxBytes?: number;
  /**
   * Most bytes of idempotency records one principal may hold (a session id; anonymous callers by trusted address,
   * or all together without one). Past it, that principal's new claims fail with `RATE_LIMITED`; nobody else's do.
   * @default maxBytes / 16 (4 MiB)
   */
  maxBytesPerPrincipal?: number;
}

/**
 * Thrown when a new idempotency claim does not fit: its principal's quota (`scope: 'principal'`) or the whole store
 * (`scope: 'store'`) is full of records that have not expired. Refusing is what keeps every stored record replayable.
 */
export class StoreCapacityError extends Error {
  override name = 'StoreCapacityError';
  constructor(
    message: string,
    /** Which bound was reached. */
    readonly scope: 'principal' | 'store' = 'store',
    /** Seconds until the earliest record in the way expires (at least 1). */
    readonly retryAfter: number = 1,
  ) {
    super(message);
  }
}

interface Expiring {
  expiresAt: number;
  /** Which generation of its BoundedMap holds the entry; written by the map (create entries with 0). */
  generation: number;
}

interface RateEntry extends Expiring {
  tat: number;
}

interface ClaimEntry {
  expiresAt: number;
  fingerprint: string;
  state: 'pending' | 'done';
  token: string;
  leaseUntil: number;
  result: string | null;
  /** Whose quota the record counts against. */
  owner: string;
  /** Its measured size, as counted in the totals. */
  bytes: number;
}

// How often (at most) a write sweeps every entry for expiry. A sweep is O(maxKeys) but happens at most once per
// interval, so its cost per write stays tiny while expired entries never outlive it by much.
const SWEEP_INTERVAL_MS = 1_000;

/**
 * A two-generation map (the quick-lru scheme), for rate-limit buckets: writes go to `current`; when it is full it
 * becomes `previous` and the old `previous` is dropped, so at most `2 × generationSize` entries exist and every
 * operation is O(1) amortised. (A single Map used as a queue degrades badly in V8: deleted slots at its front make
 * each scan skip holes.) Dropping a bucket early only forgets calls; idempotency records never live here.
 */
class BoundedMap<V extends Expiring> {
  private current = new Map<string, V>();
  private previous = new Map<string, V>();
  /** Number of `current`; entries carry the number of the generation they were written to. */
  private generation = 1;
  private nextSweepAt = 0;

  constructor(private readonly generationSize: number) {}

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
    if (!this.current.has(key) && this.current.size >= this.generationSize) this.rotate();
    value.generation = this.generation;
    this.current.set(key, value);
  }

  /** `set()` for a key that `get()` just missed: no stale copy can exist, so two of its three lookups are spared. */
  insert(key: string, value: V, now: number): void {
    if (now >= this.nextSweepAt) this.sweep(now);
    if (this.current.size >= this.generationSize) this.rotate();
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

  private rotate(): void {
    this.previous = this.current;
    this.current = new Map<string, V>();
    this.generation++;
  }
}

/**
 * Builds an error without capturing a stack trace. A refused claim is an expected answer, and under a flood it is the
 * common one: capturing the (async) stack cost more than everything else the store does
 * (docs/measurements.md#memory-store-refusal-stack).
 */
function withoutStack<T>(create: () => T): T {
  const holder = Error as { stackTraceLimit?: number };
  const limit = holder.stackTraceLimit;
  holder.stackTraceLimit = 0;
  try {
    return create();
  } finally {
    holder.stackTraceLimit = limit;
  }
}

// What a record costs besides its strings: the Map slot, the entry object and its fields, rounded up from what V8
// measured, so the bound errs on the safe side (docs/measurements.md#memory-store-record-overhead).
const RECORD_OVERHEAD_BYTES = 200;

/** Bytes a record is counted for: 2 per character of what it holds (V8 keeps many strings at 1, never above 2). */
function recordBytes(key: string, fingerprint: string, result: string | null): number {
  return RECORD_OVERHEAD_BYTES + 2 * (key.length + fingerprint.length + (result === null ? 0 : result.length));
}

/**
 * Idempotency records, bounded by bytes, in total and per principal. Nothing is ever evicted before it expires:
 * a claim that does not fit is refused (StoreCapacityError), so no caller can push another's record out.
 */
class RecordTable {
  private readonly entries = new Map<string, ClaimEntry>();
  /**
   * Per owner: the bytes counted, and a lower bound of when its earliest record expires (kept on insert, exact
   * after a sweep), for the `retryAfter` of a refused claim without a scan per refusal.
   */
  private readonly owners = new Map<string, { bytes: number; earliest: number }>();
  private totalBytes = 0;
  private earliest = Infinity;
  private nextSweepAt = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly maxBytesPerPrincipal: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get(key: string, now: number): ClaimEntry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.delete(key, entry);
      return undefined;
    }
    return entry;
  }

  delete(key: string, entry: ClaimEntry): void {
    if (this.entries.get(key) !== entry) return;
    this.entries.delete(key);
    this.count(entry.owner, -entry.bytes);
  }

  /** Adds a record for a key `get()` just missed; throws StoreCapacityError when it does not fit. */
  insert(key: string, entry: ClaimEntry, now: number): void {
    // Expired records go first (one sweep a second at most, so refused claims never make the store scan per call);
    // only then is a claim that does not fit refused.
    if (now >= this.nextSweepAt) this.sweep(now);
    if (!this.fits(entry.owner, entry.bytes)) {
      const stats = this.owners.get(entry.owner);
      const principalFull = (stats?.bytes ?? 0) + entry.bytes > this.maxBytesPerPrincipal;
      const until = principalFull ? (stats?.earliest ?? Infinity) : this.earliest;
      throw withoutStack(() => new StoreCapacityError(
        principalFull
          ? `memoryStore: this principal's idempotency records fill its quota (maxBytesPerPrincipal ${this.maxBytesPerPrincipal}); refusing its new claim rather than evicting a record`
          : `memoryStore: idempotency records fill the store (maxBytes ${this.maxBytes}); refusing a new claim rather than evicting a record`,
        principalFull ? 'principal' : 'store',
        Number.isFinite(until) && until > now ? Math.ceil((until - now) / 1000) : 1,
      ));
    }
    this.entries.set(key, entry);
    this.count(entry.owner, entry.bytes);
    const stats = this.owners.get(entry.owner)!;
    if (entry.expiresAt < stats.earliest) stats.earliest = entry.expiresAt;
    if (entry.expiresAt < this.earliest) this.earliest = entry.expiresAt;
  }

  /**
   * Stores `result` in `entry` (held by the caller's token). A result that would take the record past its
   * principal's quota or the store's bound is recorded as unreplayable instead: the body ran once and never runs
   * again for this key, and repeats get INTERNAL_ERROR, as for a result that cannot be serialized.
   */
  complete(key: string, entry: ClaimEntry, result: string): void {
    let stored = result;
    let bytes = recordBytes(key, entry.fingerprint, stored);
    if (bytes > entry.bytes && !this.fits(entry.owner, bytes - entry.bytes)) {
      stored = UNREPLAYABLE;
      bytes = recordBytes(key, entry.fingerprint, stored);
    }
    entry.state = 'done';
    entry.result = stored;
    this.count(entry.owner, bytes - entry.bytes);
    entry.bytes = bytes;
  }

  private fits(owner: string, bytes: number): boolean {
    return this.totalBytes + bytes <= this.maxBytes && (this.owners.get(owner)?.bytes ?? 0) + bytes <= this.maxBytesPerPrincipal;
  }

  private count(owner: string, delta: number): void {
    this.totalBytes += delta;
    const stats = this.owners.get(owner);
    if (stats === undefined) {
      this.owners.set(owner, { bytes: delta, earliest: Infinity });
    } else {
      stats.bytes += delta;
      if (stats.bytes <= 0) this.owners.delete(owner);
    }
  }

  /** Drops expired records and makes the earliest-expiry figures exact. O(records): callers run it once a second. */
  private sweep(now: number): void {
    this.nextSweepAt = now + SWEEP_INTERVAL_MS;
    this.earliest = Infinity;
    for (const stats of this.owners.values()) stats.earliest = Infinity;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) {
        this.delete(key, entry);
        continue;
      }
      if (entry.expiresAt < this.earliest) this.earliest = entry.expiresAt;
      const stats = this.owners.get(entry.owner)!;
      if (entry.expiresAt < stats.earliest) stats.earliest = entry.expiresAt;
    }
  }
}

/** The in-memory store: the default, correct for a single process. Use `redisStore()` across instances. */
export interface MemoryStore extends GuardStore {
  /** Number of entries currently held (rate-limit buckets + idempotency records), for monitoring and tests. */
  size(): number;
  /** Bytes the idempotency records are counted for (what `maxBytes` bounds), for monitoring and tests. */
  recordBytes(): number;
}

/** Creates the in-process store (the default). Bounded: expired entries are reclaimed and the size is capped. */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const valid = ['maxKeys', 'maxBytes', 'maxBytesPerPrincipal'];
  for (const key of Object.keys(options)) {
    if (!valid.includes(key)) throw new TypeError(`memoryStore: unknown option "${key}". Valid options: ${valid.join(', ')}.`);
  }
  const positiveInteger = (name: keyof MemoryStoreOptions, fallback: number): number => {
    const value = options[name] ?? fallback;
    if (!Number.isInteger(value) || value < 1) {
      throw new TypeError(`memoryStore: "${name}" must be a positive integer, got ${String(options[name])}.`);
    }
    return value;
  };
  const maxKeys = positiveInteger('maxKeys', 50_000);
  const maxBytes = positiveInteger('maxBytes', 64 * 1024 * 1024);
  const maxBytesPerPrincipal = positiveInteger('maxBytesPerPrincipal', Math.max(1, Math.floor(maxBytes / 16)));
  if (maxBytesPerPrincipal > maxBytes) {
    throw new TypeError(`memoryStore: "maxBytesPerPrincipal" (${maxBytesPerPrincipal}) cannot exceed "maxBytes" (${maxBytes}).`);
  }
  // At most maxKeys buckets: two generations of half that size.
  const buckets = new BoundedMap<RateEntry>(Math.max(1, Math.floor(maxKeys / 2)));
  const claims = new RecordTable(maxBytes, maxBytesPerPrincipal);

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

  function claim(key: string, fingerprint: string, leaseMs: number, ttlMs: number, owner: string | undefined, now: number): ClaimResult {
    const entry = claims.get(key, now);
    // Fencing tokens only need to be unique within this store, so a counter does (no entropy on the hot path).
    if (entry !== undefined) {
      if (entry.state === 'done') return { status: 'done', fingerprint: entry.fingerprint, result: entry.result ?? '' };
      if (entry.leaseUntil > now || entry.fingerprint !== fingerprint) {
        return { status: 'pending', fingerprint: entry.fingerprint };
      }
      // A lease taken over (its holder crashed): same key, same owner, same size; a fresh token fences the old holder.
      entry.token = String(++lastToken);
      entry.leaseUntil = now + leaseMs;
      entry.expiresAt = now + Math.max(ttlMs, leaseMs);
      return { status: 'claimed', token: entry.token };
    }
    const claimed: ClaimEntry = {
      fingerprint,
      state: 'pending',
      token: '',
      leaseUntil: now + leaseMs,
      result: null,
      expiresAt: now + Math.max(ttlMs, leaseMs),
      owner: owner ?? '',
      bytes: recordBytes(key, fingerprint, null),
    };
    claims.insert(key, claimed, now); // throws StoreCapacityError when it does not fit
    claimed.token = String(++lastToken);
    return { status: 'claimed', token: claimed.token };
  }

  function complete(key: string, token: string, result: string, ttlMs: number): boolean {
    const now = Date.now();
    const entry = claims.get(key, now);
    if (entry === undefined || entry.token !== token) return false;
    claims.complete(key, entry, result);
    entry.expiresAt = now + ttlMs;
    return true;
  }

  const rateLimitAndClaim: SynchronousStoreCore['rateLimitAndClaim'] = (rateKey, limit, windowMs, claimKey, fingerprint, leaseMs, ttlMs, owner) => {
    const now = Date.now();
    const decision = rateLimit(rateKey, limit, windowMs, now);
    if (!decision.allowed) return { rateLimit: { ...decision, allowed: false }, claim: null };
    return { rateLimit: { allowed: true, retryAfter: 0 }, claim: claim(claimKey, fingerprint, leaseMs, ttlMs, owner, now) };
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
    recordBytes: () => claims.bytes,
    rateLimit: (key, limit, windowMs) => attempt(() => rateLimit(key, limit, windowMs, Date.now())),
    claim: (key, fingerprint, leaseMs, ttlMs, owner) => attempt(() => claim(key, fingerprint, leaseMs, ttlMs, owner, Date.now())),
    complete: (key, token, result, ttlMs) => attempt(() => complete(key, token, result, ttlMs)),
    release: (key, token) =>
      attempt(() => {
        const entry = claims.get(key, Date.now());
        if (entry !== undefined && entry.token === token) claims.delete(key, entry);
      }),
    rateLimitAndClaim: (rateKey, limit, windowMs, claimKey, fingerprint, leaseMs, ttlMs, owner) =>
      attempt(() => rateLimitAndClaim(rateKey, limit, windowMs, claimKey, fingerprint, leaseMs, ttlMs, owner)),
  };
  CORES.set(store, {
    core: {
      rateLimit: (key, limit, windowMs) => rateLimit(key, limit, windowMs, Date.now()),
      claim: (key, fingerprint, leaseMs, ttlMs, owner) => claim(key, fingerprint, leaseMs, ttlMs, owner, Date.now()),
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
