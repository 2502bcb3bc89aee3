/**
 * `@action-guard/runtime/internal`: what the transform's generated code, the other packages of this repository and
 * the runtime's own tests use, and apps do not: the metadata shape the transform emits beside every action, the
 * standalone `guardCache()` (generated code calls `runtime.guardCache`), the options resolver and input helpers.
 * Not covered by semver: it follows the transform of the same version.
 */
export { resolveRuntimeOptions } from './guard/options.js';
export type { ResolvedRuntimeOptions } from './guard/options.js';
export { CACHE_GUARD_DIGEST_PREFIX, guardCache } from './guard-cache.js';
export { formDataToObject } from './input.js';
export type { ActionMeta, NormalizedPolicy, RevalidateTarget } from './types.js';
