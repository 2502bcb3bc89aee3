// Redis Cluster support for redisStore(): creating the cluster client for `{ cluster: { rootNodes } }`, recognising a
// node-redis cluster client passed as `{ client }`, and keeping its slot map fresh after a failover.
//
// Why the refresh: a node-redis (v5) cluster client re-reads the slot map only when a node answers MOVED or ASK
// (packages/client/lib/cluster/index.ts, `_execute`). When a master dies, nothing answers: every command for its
// slots keeps going to the dead address (failing offline, or timing out), long after a replica was promoted, until
// some unrelated MOVED happens to arrive. So the store asks for a new slot map itself whenever a script fails (at most
// twice a second); once the cluster has promoted the replica, the next call goes to it.

/** Options of `redisStore({ cluster })`. */
export interface RedisClusterStoreOptions {
  /** Nodes to read the slot map from (one reachable node is enough); e.g. `[{ url: 'redis://10.0.0.1:6379' }]`. */
  rootNodes: Array<{ url: string }>;
}

/** The parts of a node-redis cluster client (`createCluster()`) the refresh reads. */
interface ClusterClientShape {
  readonly masters: ReadonlyArray<{ client?: { isReady?: boolean } }>;
  /**
   * node-redis' own slot-map holder; `rediscover(startWith)` reads CLUSTER SLOTS from `startWith`'s address, then
   * from the root nodes (packages/client/lib/cluster/cluster-slots.ts). Internal by its name, public in its types;
   * pinned by @redis/client >= 5 (the peer range) and exercised by the failover test (test/redis-cluster.test.ts).
   */
  readonly _slots: { rediscover(startWith: unknown): Promise<void> };
}

/** Whether `client` is a node-redis cluster client (and not a single-server client). */
export function isClusterClient(client: unknown): client is ClusterClientShape {
  if (typeof client !== 'object' || client === null) return false;
  const candidate = client as Partial<ClusterClientShape> & { nodeClient?: unknown };
  return typeof candidate.nodeClient === 'function' && typeof candidate._slots?.rediscover === 'function' && 'masters' in candidate;
}

/** Checks `cluster` of redisStore()'s options strictly; returns the root node URLs. */
export function resolveClusterOptions(cluster: unknown): string[] {
  if (typeof cluster !== 'object' || cluster === null) throw new TypeError('redisStore: "cluster" must be an object: { rootNodes: [{ url }, …] }.');
  for (const key of Object.keys(cluster)) {
    if (key !== 'rootNodes') throw new TypeError(`redisStore: unknown option "cluster.${key}". Valid options: cluster.rootNodes.`);
  }
  const { rootNodes } = cluster as { rootNodes?: unknown };
  if (!Array.isArray(rootNodes) || rootNodes.length === 0) throw new TypeError('redisStore: "cluster.rootNodes" must be a non-empty array of { url }.');
  return rootNodes.map((node: unknown, index) => {
    const url = (node as { url?: unknown } | null)?.url;
    const keys = typeof node === 'object' && node !== null ? Object.keys(node) : [];
    if (typeof url !== 'string' || keys.length !== 1) {
      throw new TypeError(`redisStore: "cluster.rootNodes[${index}]" must be { url: 'redis://host:port' }.`);
    }
    return url;
  });
}

/**
 * Returns a function to call after a failed script: it starts one slot-map refresh unless one started less than
 * `minIntervalMs` ago, and never waits for it (the failed call is reported as a store error either way).
 */
export function createSlotMapRefresh(cluster: ClusterClientShape, minIntervalMs = 500): () => void {
  let last = -Infinity;
  return () => {
    const now = Date.now();
    if (now - last < minIntervalMs) return;
    last = now;
    // Start from a master whose connection is up (not the dead one); node-redis falls back to its root nodes.
    const masters = cluster.masters;
    const startWith = masters.find((node) => node.client?.isReady === true)?.client ?? masters.find((node) => node.client !== undefined)?.client;
    if (startWith === undefined) return;
    cluster._slots.rediscover(startWith).catch(() => {});
  };
}
