import type { GuardStore } from '../types.js';
import { createSlotMapRefresh, isClusterClient, resolveClusterOptions, type RedisClusterStoreOptions } from './redis-cluster.js';
import { checkKeyPrefix, createScriptStore, scriptSha1, StoreTimeoutError, withTimeout as withStoreTimeout } from './redis-scripts.js';

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> => withStoreTimeout(promise, ms, 'Redis');

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

/** Options of `redisStore()`: exactly one of `url`, `cluster` or `client`. */
export interface RedisStoreOptions {
  /** `redis://` URL; the store creates (and owns) a node-redis client. Requires the `@redis/client` package. */
  url?: string;
  /**
   * A Redis Cluster: the store creates (and owns) a node-redis cluster client from these root nodes. Requires the
   * `@redis/client` package.
   */
  cluster?: RedisClusterStoreOptions;
  /**
   * An existing node-redis v5 client, single-server (`createClient()`) or cluster (`createCluster()`), connected or
   * connected by you; the store never closes it.
   */
  client?: RedisScriptClient;
  /**
   * Prefix of every key the store writes; no `{` or `}` (each key's Redis Cluster hash tag is the action's name).
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

export { StoreTimeoutError };

/**
 * Creates a store on a real Redis server or Redis Cluster; every check is one Lua script, so one atomic round trip.
 * Every key the guard builds for one action starts with the same `{hash tag}` (store-keys.ts, redis-scripts.ts), so
 * the keys a script touches share one cluster slot.
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  const valid = ['url', 'cluster', 'client', 'prefix', 'commandTimeoutMs', 'connectTimeoutMs'];
  for (const key of Object.keys(options ?? {})) {
    if (!valid.includes(key)) throw new TypeError(`redisStore: unknown option "${key}". Valid options: ${valid.join(', ')}.`);
  }
  if ([options.url, options.cluster, options.client].filter((value) => value !== undefined).length !== 1) {
    throw new TypeError('redisStore: pass exactly one of "url", "cluster" or "client".');
  }
  const rootNodes = options.cluster === undefined ? null : resolveClusterOptions(options.cluster);
  const prefix = options.prefix ?? 'action-guard:';
  checkKeyPrefix(prefix, 'redisStore');
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
      const pending = rootNodes !== null ? connectCluster(rootNodes) : connect(options.url!);
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

  async function connectCluster(urls: string[]): Promise<RedisScriptClient> {
    const { createCluster } = await loadRedis();
    const cluster = createCluster({
      rootNodes: urls.map((url) => ({ url })),
      // The same per-node settings as a single-server store: fail fast while a node is unreachable.
      defaults: {
        disableOfflineQueue: true,
        socket: { connectTimeout: connectTimeoutMs, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1000) },
      },
    });
    cluster.on('error', () => {});
    await cluster.connect();
    owned = cluster;
    return cluster as unknown as RedisScriptClient;
  }

  // The connection is lazy on purpose: `next build` imports the app's runtime module while collecting page data,
  // and a build must not need (or keep retrying) a Redis connection. The first call gets `connectTimeoutMs` instead.

  // Fencing tokens must be unique across every instance sharing the server: a random id per store, plus a counter.
  const tokenPrefix = crypto.randomUUID();
  let lastToken = 0;
  const nextToken = (): string => `${tokenPrefix}:${++lastToken}`;

  const shas = new Map<string, Promise<string>>();
  // A cluster client gets its slot map refreshed after failures (redis-cluster.ts says why).
  const refreshes = new WeakMap<object, () => void>();
  async function run(script: string, keys: string[], args: string[]): Promise<unknown> {
    if (options.client === undefined) await loadRedis();
    const client = await withTimeout(getClient(), connectTimeoutMs);
    try {
      return await runOn(client, script, keys, args);
    } catch (error) {
      if (isClusterClient(client)) {
        let refresh = refreshes.get(client);
        if (refresh === undefined) refreshes.set(client, (refresh = createSlotMapRefresh(client)));
        refresh();
      }
      throw error;
    }
  }

  async function runOn(client: RedisScriptClient, script: string, keys: string[], args: string[]): Promise<unknown> {
    let sha = shas.get(script);
    if (sha === undefined) {
      // SCRIPT LOAD has no key, so a cluster client sends it to a random node (possibly a dead one, and never
      // necessarily the one that will run it): there the hash is computed here, and NOSCRIPT loads it where needed.
      sha = isClusterClient(client) ? scriptSha1(script) : client.scriptLoad(script);
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
    ...createScriptStore('redis', prefix, run, nextToken),

    async close(): Promise<void> {
      const client = owned;
      owned = null;
      if (client !== null) await client.close();
    },
  };
}
