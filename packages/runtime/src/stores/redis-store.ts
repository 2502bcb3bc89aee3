import type { ClaimResult, GuardStore, RateLimitDecision, RateLimitedClaim } from '../types.js';

/**
 * The part of a node-redis v5 client the store uses. Any connected `createClient()` result satisfies it.
 * Tip: create it with `disableOfflineQueue: true`, or calls made while Redis is down wait instead of failing.
 */
export interface RedisScriptClient {
  /** `SCRIPT LOAD`. */
  scriptLoad(script: string): Promise<string>;
  /** `EVALSHA`. */
  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** `EVAL` (used once after Redis lost its script cache, e.g. after a restart). */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Options of `redisStore()`: exactly one of `url` or `client`. */
export interface RedisStoreOptions {
  /** `redis://` URL; the store creates (and owns) a node-redis client. Requires the `@redis/client` package. */
  url?: string;
  /** An existing node-redis v5 client (connected, or connected by you); the store never closes it. */
  client?: RedisScriptClient;
  /**
   * Prefix of every key the store writes.
   * @default 'action-guard:'
   */
  prefix?: string;
  /**
   * How long one store call may take before it counts as an outage (ms).
   * @default 1000
   */
  commandTimeoutMs?: number;
  /**
   * How long a call waits for the store's connection to be established (ms); the store connects on its first call.
   * @default 2000
   */
  connectTimeoutMs?: number;
}

/** A Redis-backed store; `close()` disconnects a client the store created from `url`. */
export interface RedisStore extends GuardStore {
  /** Disconnects the client the store created (no-op for a `client` you passed). */
  close(): Promise<void>;
}

// Every script reads the clock with TIME so all instances agree on "now" whatever their own clocks say.
const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// GCRA: one key holding the theoretical arrival time; a burst of \`limit\` per window. Returns allowed (1/0) and
// the milliseconds until the next call would be allowed.
const RATE_LIMIT_FN = `local function rate_limit(key, limit, window)
  local interval = window / limit
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local nextTat = tat + interval
  local allowAt = nextTat - window
  if allowAt > now then return 0, math.ceil(allowAt - now) end
  redis.call('SET', key, string.format('%.3f', nextTat), 'PX', math.max(1, math.ceil(nextTat - now)))
  return 1, 0
end`;

// Claim: a hash {fp, state, token, lease, result}. A pending claim whose lease ran out (its holder crashed or
// hangs) can be taken over with the same fingerprint; the fresh token fences the old holder out (see COMPLETE).
const CLAIM_FN = `local function claim(key, fp, lease, ttl, token)
  local e = redis.call('HMGET', key, 'fp', 'state', 'lease', 'result')
  if e[1] then
    if e[2] == 'done' then return {'done', e[1], e[4] or ''} end
    if tonumber(e[3]) > now or e[1] ~= fp then return {'pending', e[1]} end
  end
  redis.call('DEL', key)
  redis.call('HSET', key, 'fp', fp, 'state', 'pending', 'token', token, 'lease', now + lease)
  redis.call('PEXPIRE', key, math.max(lease, ttl))
  return {'claimed', token}
end`;

const RATE_LIMIT_SCRIPT = `${NOW_MS}
${RATE_LIMIT_FN}
local allowed, wait = rate_limit(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
return {allowed, wait}`;

const CLAIM_SCRIPT = `${NOW_MS}
${CLAIM_FN}
return claim(KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4])`;

// Both checks of a rate-limited idempotent action in one round trip: no claim is made for a limited call.
const RATE_LIMIT_AND_CLAIM_SCRIPT = `${NOW_MS}
${RATE_LIMIT_FN}
${CLAIM_FN}
local allowed, wait = rate_limit(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
if allowed == 0 then return {'limited', wait} end
return claim(KEYS[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6])`;

// Fencing: only the holder of the current token may store a result, so a late finisher of an expired claim
// can never overwrite the result of the run that took the key over.
const COMPLETE_SCRIPT = `if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'done', 'result', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

const RELEASE_SCRIPT = `if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Raised when Redis does not answer in time. */
export class StoreTimeoutError extends Error {
  override name = 'StoreTimeoutError';
}

/**
 * Creates a store on a real Redis server; every check is one Lua script, so one atomic round trip. Every key the
 * guard builds for one action starts with the same `{hash tag}` (store-keys.ts), so the keys a script touches share
 * one slot; Redis Cluster itself is not supported yet.
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  const valid = ['url', 'client', 'prefix', 'commandTimeoutMs', 'connectTimeoutMs'];
  for (const key of Object.keys(options ?? {})) {
    if (!valid.includes(key)) throw new TypeError(`redisStore: unknown option "${key}". Valid options: ${valid.join(', ')}.`);
  }
  if ((options.url === undefined) === (options.client === undefined)) {
    throw new TypeError('redisStore: pass exactly one of "url" or "client".');
  }
  const prefix = options.prefix ?? 'action-guard:';
  const timeoutMs = options.commandTimeoutMs ?? 1000;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new TypeError('redisStore: "commandTimeoutMs" must be a positive number.');
  const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
  if (!(Number.isFinite(connectTimeoutMs) && connectTimeoutMs > 0)) {
    throw new TypeError('redisStore: "connectTimeoutMs" must be a positive number.');
  }

  let owned: { close(): Promise<unknown> } | null = null;
  let clientPromise: Promise<RedisScriptClient> | null = null;
  // Connect lazily, and forget a failed first connection so the next call tries again (Redis may come up later).
  function getClient(): Promise<RedisScriptClient> {
    if (options.client !== undefined) return Promise.resolve(options.client);
    if (clientPromise === null) {
      const pending = connect(options.url!);
      clientPromise = pending;
      pending.catch(() => {
        if (clientPromise === pending) clientPromise = null;
      });
    }
    return clientPromise;
  }

  // Loading the client library is local work, so it is kept out of the connect timeout (a cold start on a busy
  // machine can take longer than a healthy TCP connect ever does). `@redis/client` is the core of the `redis`
  // package without its module bundles (bloom, JSON, search, time series), which the store never calls: an app's
  // build traces (or bundles) 424 files of it instead of 597 (examples/invoices).
  let redisModule: Promise<typeof import('@redis/client')> | null = null;
  const loadRedis = (): Promise<typeof import('@redis/client')> => {
    redisModule ??= import('@redis/client').catch((error: unknown) => {
      redisModule = null;
      // Node says ERR_MODULE_NOT_FOUND; a bundle's require of an external, MODULE_NOT_FOUND. Anything else is not ours
      // to explain.
      const code = (error as { code?: unknown } | null)?.code;
      if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
      throw new Error(
        'action-guard: redisStore({ url }) loads the `@redis/client` package, which is not installed here. ' +
          'Install it (`npm install @redis/client`), or pass `{ client }` made with `createClient()` of the `redis` package.',
        { cause: error },
      );
    });
    return redisModule;
  };

  async function connect(url: string): Promise<RedisScriptClient> {
    const { createClient } = await loadRedis();
    const client = createClient({
      url,
      // Fail fast while disconnected instead of queueing: the guard turns the failure into an explicit decision.
      disableOfflineQueue: true,
      socket: { connectTimeout: connectTimeoutMs, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1000) },
    });
    // node-redis emits 'error' on every failed reconnect; without a listener that would crash the process.
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (error) {
      client.destroy();
      throw error;
    }
    owned = client;
    return client as unknown as RedisScriptClient;
  }

  // The connection is lazy on purpose: `next build` imports the app's runtime module while collecting page data,
  // and a build must not need (or keep retrying) a Redis connection. The first call gets `connectTimeoutMs` instead.

  // Fencing tokens must be unique across every instance sharing the server: a random id per store, plus a counter.
  const tokenPrefix = crypto.randomUUID();
  let lastToken = 0;
  const nextToken = (): string => `${tokenPrefix}:${++lastToken}`;

  const shas = new Map<string, Promise<string>>();
  async function run(script: string, keys: string[], args: string[]): Promise<unknown> {
    if (options.url !== undefined) await loadRedis();
    const client = await withTimeout(getClient(), connectTimeoutMs);
    let sha = shas.get(script);
    if (sha === undefined) {
      sha = client.scriptLoad(script);
      shas.set(script, sha);
      sha.catch(() => shas.delete(script));
    }
    try {
      return await withTimeout(client.evalSha(await withTimeout(sha, timeoutMs), { keys, arguments: args }), timeoutMs);
    } catch (error) {
      // A restarted Redis has an empty script cache: EVAL runs the script and caches it again.
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        return withTimeout(client.eval(script, { keys, arguments: args }), timeoutMs);
      }
      throw error;
    }
  }

  return {
    kind: 'redis',

    async rateLimit(key, limit, windowMs): Promise<RateLimitDecision> {
      const reply = (await run(RATE_LIMIT_SCRIPT, [prefix + 'rl:' + key], [String(limit), String(windowMs)])) as [number, number];
      const allowed = Number(reply[0]) === 1;
      return { allowed, retryAfter: allowed ? 0 : Math.max(1, Math.ceil(Number(reply[1]) / 1000)) };
    },

    async claim(key, fingerprint, leaseMs, ttlMs): Promise<ClaimResult> {
      const token = nextToken();
      const reply = (await run(CLAIM_SCRIPT, [prefix + 'idem:' + key], [fingerprint, String(leaseMs), String(ttlMs), token])) as unknown[];
      return toClaimResult(reply);
    },

    async rateLimitAndClaim(rateKey, limit, windowMs, claimKey, fingerprint, leaseMs, ttlMs): Promise<RateLimitedClaim> {
      const token = nextToken();
      const reply = (await run(
        RATE_LIMIT_AND_CLAIM_SCRIPT,
        [prefix + 'rl:' + rateKey, prefix + 'idem:' + claimKey],
        [String(limit), String(windowMs), fingerprint, String(leaseMs), String(ttlMs), token],
      )) as unknown[];
      if (reply[0] === 'limited') {
        return { rateLimit: { allowed: false, retryAfter: Math.max(1, Math.ceil(Number(reply[1]) / 1000)) }, claim: null };
      }
      return { rateLimit: { allowed: true, retryAfter: 0 }, claim: toClaimResult(reply) };
    },

    async complete(key, token, result, ttlMs): Promise<boolean> {
      const reply = await run(COMPLETE_SCRIPT, [prefix + 'idem:' + key], [token, result, String(ttlMs)]);
      return Number(reply) === 1;
    },

    async release(key, token): Promise<void> {
      await run(RELEASE_SCRIPT, [prefix + 'idem:' + key], [token]);
    },

    async close(): Promise<void> {
      const client = owned;
      owned = null;
      if (client !== null) await client.close();
    },
  };
}

function toClaimResult(reply: unknown[]): ClaimResult {
  if (reply[0] === 'claimed') return { status: 'claimed', token: String(reply[1]) };
  if (reply[0] === 'done') return { status: 'done', fingerprint: String(reply[1]), result: String(reply[2] ?? '') };
  return { status: 'pending', fingerprint: String(reply[1]) };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeoutError(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
