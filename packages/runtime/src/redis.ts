/** `@action-guard/runtime/redis`: the shared store for several instances. */
export { redisStore, StoreTimeoutError } from './stores/redis-store.js';
export type { RedisScriptClient, RedisStore, RedisStoreOptions } from './stores/redis-store.js';
