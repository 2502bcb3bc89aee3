// Next is an optional peer: these helpers load it through #host-modules, lazily outside a Next server (so the runtime
// can be used and unit-tested there) and statically inside Next's bundles, where they resolve to the copy Next uses.
import { importNextCache, importNextHeaders, importNextNavigation } from '#host-modules';
import { exportsWith } from './commonjs-interop.js';

type Rethrow = (error: unknown) => void;

let rethrowPromise: Promise<Rethrow> | null = null;

// Digests of Next's control-flow throws, used only when Next cannot be loaded at all (no `next` installed, or a
// sandbox without dynamic import). They mirror what `unstable_rethrow` checks in next@16.4.6
// (dist/client/components/unstable-rethrow.js).
const CONTROL_FLOW_DIGESTS = [
  'NEXT_REDIRECT',
  'NEXT_HTTP_ERROR_FALLBACK',
  'NEXT_NOT_FOUND',
  'BAILOUT_TO_CLIENT_SIDE_RENDERING',
  'DYNAMIC_SERVER_USAGE',
  'HANGING_PROMISE_REJECTION',
  'NEXT_PRERENDER_INTERRUPTED',
];

function fallbackRethrow(error: unknown): void {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const digest = (current as { digest?: unknown }).digest;
    if (typeof digest === 'string' && CONTROL_FLOW_DIGESTS.some((prefix) => digest.startsWith(prefix))) throw error;
    if ((current as { $$typeof?: unknown }).$$typeof === Symbol.for('react.postpone')) throw error;
    current = (current as { cause?: unknown }).cause;
  }
}

/** Loads Next's public `unstable_rethrow` once (falling back to a digest check when Next is not importable). */
export function loadRethrow(): Promise<Rethrow> {
  rethrowPromise ??= importNextNavigation().then(
    (navigation) => {
      const rethrow = exportsWith(navigation, 'unstable_rethrow')?.unstable_rethrow;
      return typeof rethrow === 'function' ? (rethrow as Rethrow) : fallbackRethrow;
    },
    () => fallbackRethrow,
  );
  return rethrowPromise;
}

type HeadersFunction = () => Promise<unknown> | unknown;

let nextHeadersPromise: Promise<HeadersFunction> | null = null;

function loadHeadersFunction(): Promise<HeadersFunction> {
  return importNextHeaders().then((nextHeaders) => {
    const headers = exportsWith(nextHeaders, 'headers')?.headers;
    if (typeof headers !== 'function') throw new Error('next/headers has no headers() function.');
    return headers as HeadersFunction;
  });
}

/**
 * Reads the current request's headers with `next/headers` (a Promise since Next 15). The function is looked up
 * once: an `import()` or a lookup per call would cost every guarded call that needs headers.
 */
export async function readNextHeaders(): Promise<Headers> {
  const headers = await (nextHeadersPromise ??= loadHeadersFunction());
  return (await headers()) as Headers;
}

/** The slice of `next/cache` that `@revalidates` uses (revalidation.ts). */
export interface NextCacheApi {
  revalidatePath: (path: string, type?: 'page' | 'layout') => void;
  revalidateTag: (tag: string, profile?: string) => void;
  /** `updateTag` where Next has it (16 and later); `null` on Next 15, which is how the runtime tells them apart. */
  updateTag: ((tag: string) => void) | null;
}

let nextCachePromise: Promise<NextCacheApi> | null = null;

/**
 * Loads Next's `next/cache` once. The version is told by what the module exports, not by a version string: Next 16
 * added `updateTag` (and a profile argument to `revalidateTag`), so its presence is exactly the difference that
 * matters here.
 */
export function loadNextCache(): Promise<NextCacheApi> {
  nextCachePromise ??= importNextCache().then(toNextCacheApi);
  // A failed import is not cached: the next call tries again (and fails the same way if Next is missing).
  nextCachePromise.catch(() => {
    nextCachePromise = null;
  });
  return nextCachePromise;
}

/** The functions `@revalidates` needs from a loaded `next/cache` (ES namespace or CommonJS exports). */
export function toNextCacheApi(cache: unknown): NextCacheApi {
  const api = exportsWith(cache, 'revalidatePath') as Partial<Record<keyof NextCacheApi, unknown>> | null;
  if (typeof api?.revalidatePath !== 'function' || typeof api.revalidateTag !== 'function') {
    throw new Error('action-guard: next/cache has no revalidatePath() and revalidateTag(); @revalidates needs Next 15 or later.');
  }
  return {
    revalidatePath: api.revalidatePath as NextCacheApi['revalidatePath'],
    revalidateTag: api.revalidateTag as NextCacheApi['revalidateTag'],
    updateTag: typeof api.updateTag === 'function' ? (api.updateTag as (tag: string) => void) : null,
  };
}
