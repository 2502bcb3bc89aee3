/** `@action-guard/runtime/upstash`: the shared store over Upstash's REST API, for the Edge runtime and serverless. */
export { upstashStore } from './stores/upstash-store.js';
export type { UpstashScriptClient, UpstashStore, UpstashStoreOptions } from './stores/upstash-store.js';
export { StoreTimeoutError } from './stores/redis-scripts.js';
