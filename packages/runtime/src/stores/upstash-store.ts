import type { GuardStore } from '../types.js';
import { checkKeyPrefix, createScriptStore, scriptSha1, withTimeout } from './redis-scripts.js';

/**
 * The part of an `@upstash/redis` `Redis` instance the store uses; `new Redis({ url, token })` and
 * `Redis.fromEnv()` satisfy it with their defaults (automatic deserialization, base64 responses, auto-pipelining).
 */
export interface UpstashScriptClient {
  /** `EVALSHA`. */
  evalsha(sha: string, keys: string[], args: string[]): Promise<unknown>;
  /** `EVAL` (once per script after the database lost its script cache, and on first use). */
  eval(script: string, keys: string[], args: string[]): Promise<unknown>;
}

/** Options of `upstashStore()`. */
export interface UpstashStoreOptions {
  /** An `@upstash/redis` `Redis` instance, as you construct it for the rest of your app. */
  client: UpstashScriptClient;
  /**
   * Prefix of every key the store writes; no `{` or `}` (each key's hash tag is the action's name).
   * @default 'action-guard:'
   */
  prefix?: string;
  /**
   * How long one store call may take before it counts as an outage (ms). The HTTP request itself is not cancelled
   * (the client owns it, and retries network errors by its own settings); the call fails after this long either way.
   * @default 2000
   */
  commandTimeoutMs?: number;
}

/** A store on Upstash Redis over its REST API. */
export interface UpstashStore extends GuardStore {}

/**
 * Creates a store on Upstash Redis through its REST API: the same Lua scripts as redisStore() (so the same keys and
 * records: Node instances on redisStore() and Edge instances on upstashStore() can share one database), one HTTP
 * request per check, EVALSHA with EVAL when the database lacks the script. Imports nothing from `node:`: works in
 * Next's Edge runtime and in serverless functions.
 */
export function upstashStore(options: UpstashStoreOptions): UpstashStore {
  const valid = ['client', 'prefix', 'commandTimeoutMs'];
  for (const key of Object.keys(options ?? {})) {
    if (!valid.includes(key)) throw new TypeError(`upstashStore: unknown option "${key}". Valid options: ${valid.join(', ')}.`);
  }
  const { client } = options;
  if (typeof client?.evalsha !== 'function' || typeof client.eval !== 'function') {
    throw new TypeError('upstashStore: "client" must be a Redis instance of @upstash/redis (new Redis({ url, token }) or Redis.fromEnv()).');
  }
  const prefix = options.prefix ?? 'action-guard:';
  checkKeyPrefix(prefix, 'upstashStore');
  const timeoutMs = options.commandTimeoutMs ?? 2000;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new TypeError('upstashStore: "commandTimeoutMs" must be a positive number.');

  // Fencing tokens must be unique across every instance sharing the database: a random id per store, plus a counter.
  const tokenPrefix = crypto.randomUUID();
  let lastToken = 0;
  const nextToken = (): string => `${tokenPrefix}:${++lastToken}`;

  const shas = new Map<string, Promise<string>>();
  async function run(script: string, keys: string[], args: string[]): Promise<unknown> {
    let sha = shas.get(script);
    if (sha === undefined) {
      sha = scriptSha1(script);
      shas.set(script, sha);
    }
    const evaluate = async (): Promise<unknown> => {
      try {
        return await client.evalsha(await sha, keys, args);
      } catch (error) {
        // A database that never saw the script (or lost its cache) answers NOSCRIPT; EVAL runs and caches it.
        // The client reports it as `NOSCRIPT …`, or `Command failed: NOSCRIPT …` from an auto-pipeline.
        if (error instanceof Error && error.message.includes('NOSCRIPT')) return client.eval(script, keys, args);
        throw error;
      }
    };
    return withTimeout(evaluate(), timeoutMs, 'Upstash');
  }

  return createScriptStore('upstash', prefix, run, nextToken);
}
