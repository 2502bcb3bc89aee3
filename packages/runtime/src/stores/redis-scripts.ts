// The one home of the Lua scripts every Redis-protocol store runs (redis-store.ts over TCP, single server or
// Redis Cluster; upstash-store.ts over Upstash's REST API), and of how their replies are read. A store supplies
// `run(script, keys, args)` (EVALSHA, EVAL when the server lacks the script) and gets the whole GuardStore back, so
// every store keeps the same keys, the same records and the same answers: instances using redisStore() and
// instances using upstashStore() can share one database.
//
// What must stay true:
// - Every script touches only keys that share one Redis Cluster hash slot. The keys the guard hands a store all
//   start with the action's `{hash tag}` (store-keys.ts), and the prefixes added here (`rl:`, `idem:`) come before
//   it, so the first `{…}` of every key is the action's. A store prefix must therefore contain no `{` or `}`
//   (checked by `checkKeyPrefix`), or the tag would start in the prefix and the two keys of rateLimitAndClaim could
//   land in different slots (CROSSSLOT).
// - A reply never carries free text a client library could reinterpret: @upstash/redis JSON-parses every string of
//   a reply by default (its `automaticDeserialization`), which would turn a stored result such as `[{"a":1}]` into
//   an array. Fingerprints and results are therefore sent back behind a `=` (never the start of JSON), and
//   `readText` removes it.

import type { ClaimResult, GuardStore, RateLimitDecision, RateLimitedClaim } from '../types.js';

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
    if e[2] == 'done' then return {'done', '=' .. e[1], '=' .. (e[4] or '')} end
    if tonumber(e[3]) > now or e[1] ~= fp then return {'pending', '=' .. e[1]} end
  end
  redis.call('DEL', key)
  redis.call('HSET', key, 'fp', fp, 'state', 'pending', 'token', token, 'lease', now + lease)
  redis.call('PEXPIRE', key, math.max(lease, ttl))
  return {'claimed', '=' .. token}
end`;

/** `KEYS[1]` bucket; `ARGV` limit, window ms. */
export const RATE_LIMIT_SCRIPT = `${NOW_MS}
${RATE_LIMIT_FN}
local allowed, wait = rate_limit(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
return {allowed, wait}`;

/** `KEYS[1]` record; `ARGV` fingerprint, lease ms, ttl ms, token. */
export const CLAIM_SCRIPT = `${NOW_MS}
${CLAIM_FN}
return claim(KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4])`;

/** Both checks of a rate-limited idempotent action in one round trip: no claim is made for a limited call. */
export const RATE_LIMIT_AND_CLAIM_SCRIPT = `${NOW_MS}
${RATE_LIMIT_FN}
${CLAIM_FN}
local allowed, wait = rate_limit(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
if allowed == 0 then return {'limited', wait} end
return claim(KEYS[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6])`;

/**
 * Fencing: only the holder of the current token may store a result, so a late finisher of an expired claim can
 * never overwrite the result of the run that took the key over.
 */
export const COMPLETE_SCRIPT = `if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'done', 'result', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/** Drops the claim only for the holder of its token. */
export const RELEASE_SCRIPT = `if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Every script a store runs (a store that preloads its scripts loads these). */
export const ALL_SCRIPTS = [RATE_LIMIT_SCRIPT, CLAIM_SCRIPT, RATE_LIMIT_AND_CLAIM_SCRIPT, COMPLETE_SCRIPT, RELEASE_SCRIPT] as const;

/** The SHA-1 that EVALSHA names `script` by (WebCrypto: the same in Node and on the Edge). */
export async function scriptSha1(script: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', new TextEncoder().encode(script)));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** Runs one script atomically on the server that holds `keys` (EVALSHA, EVAL when the server lacks the script). */
export type RunScript = (script: string, keys: string[], args: string[]) => Promise<unknown>;

/** Throws unless `prefix` can precede the action's hash tag (see the top of this file). */
export function checkKeyPrefix(prefix: unknown, store: string): void {
  if (typeof prefix !== 'string') throw new TypeError(`${store}: "prefix" must be a string.`);
  if (/[{}]/.test(prefix)) {
    throw new TypeError(
      `${store}: "prefix" must not contain "{" or "}": every key starts its Redis Cluster hash tag with the action's name, ` +
        'and a brace in the prefix would move the tag (got ' + JSON.stringify(prefix) + ').',
    );
  }
}

/** The store methods every Redis-protocol store shares, given how it runs a script. */
export function createScriptStore(
  kind: string,
  prefix: string,
  run: RunScript,
  nextToken: () => string,
): Omit<GuardStore, 'kind'> & { kind: string; rateLimitAndClaim: NonNullable<GuardStore['rateLimitAndClaim']> } {
  return {
    kind,

    async rateLimit(key, limit, windowMs): Promise<RateLimitDecision> {
      const reply = (await run(RATE_LIMIT_SCRIPT, [prefix + 'rl:' + key], [String(limit), String(windowMs)])) as unknown[];
      const allowed = Number(reply[0]) === 1;
      return { allowed, retryAfter: allowed ? 0 : retryAfterSeconds(reply[1]) };
    },

    async claim(key, fingerprint, leaseMs, ttlMs): Promise<ClaimResult> {
      const reply = (await run(CLAIM_SCRIPT, [prefix + 'idem:' + key], [fingerprint, String(leaseMs), String(ttlMs), nextToken()])) as unknown[];
      return toClaimResult(reply);
    },

    async rateLimitAndClaim(rateKey, limit, windowMs, claimKey, fingerprint, leaseMs, ttlMs): Promise<RateLimitedClaim> {
      const reply = (await run(
        RATE_LIMIT_AND_CLAIM_SCRIPT,
        [prefix + 'rl:' + rateKey, prefix + 'idem:' + claimKey],
        [String(limit), String(windowMs), fingerprint, String(leaseMs), String(ttlMs), nextToken()],
      )) as unknown[];
      if (reply[0] === 'limited') return { rateLimit: { allowed: false, retryAfter: retryAfterSeconds(reply[1]) }, claim: null };
      return { rateLimit: { allowed: true, retryAfter: 0 }, claim: toClaimResult(reply) };
    },

    async complete(key, token, result, ttlMs): Promise<boolean> {
      return Number(await run(COMPLETE_SCRIPT, [prefix + 'idem:' + key], [token, result, String(ttlMs)])) === 1;
    },

    async release(key, token): Promise<void> {
      await run(RELEASE_SCRIPT, [prefix + 'idem:' + key], [token]);
    },
  };
}

function retryAfterSeconds(waitMs: unknown): number {
  return Math.max(1, Math.ceil(Number(waitMs) / 1000));
}

/** A reply's free-text field without its `=` guard. A reply without it did not come from these scripts. */
function readText(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('=')) {
    throw new Error(`action-guard: unexpected reply from the store's script: ${JSON.stringify(value)}`);
  }
  return value.slice(1);
}

function toClaimResult(reply: unknown[]): ClaimResult {
  if (reply[0] === 'claimed') return { status: 'claimed', token: readText(reply[1]) };
  if (reply[0] === 'done') return { status: 'done', fingerprint: readText(reply[1]), result: readText(reply[2]) };
  if (reply[0] === 'pending') return { status: 'pending', fingerprint: readText(reply[1]) };
  throw new Error(`action-guard: unexpected reply from the store's claim script: ${JSON.stringify(reply)}`);
}

/** Raised when the store's server does not answer in time. */
export class StoreTimeoutError extends Error {
  override name = 'StoreTimeoutError';
}

/** `promise`, or a StoreTimeoutError naming `server` after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, server: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeoutError(`${server} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
