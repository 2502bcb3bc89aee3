// Next is an optional peer: these helpers load it lazily so the runtime can be used (and unit-tested) outside a
// Next server. Inside a Next bundle the imports resolve to the copy Next itself uses.

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
  // `next/navigation` is the specifier bundlers (and Next's per-layer aliases) expect; plain Node ESM cannot resolve
  // an extension-less subpath of a package without `exports`, so it gets the `.js` form, which Next aliases too.
  rethrowPromise ??= import('next/navigation')
    .catch(() => import('next/navigation.js'))
    .then(
    (navigation) => (typeof navigation.unstable_rethrow === 'function' ? navigation.unstable_rethrow : fallbackRethrow),
    () => fallbackRethrow,
  );
  return rethrowPromise;
}

function loadNextHeaders() {
  return import('next/headers').catch(() => import('next/headers.js'));
}

let nextHeadersPromise: ReturnType<typeof loadNextHeaders> | null = null;

/**
 * Reads the current request's headers with `next/headers` (a Promise since Next 15). The module is imported once:
 * an `import()` per call would cost several promise turns on every guarded call that needs headers.
 */
export async function readNextHeaders(): Promise<Headers> {
  const { headers } = await (nextHeadersPromise ??= loadNextHeaders());
  return (await headers()) as unknown as Headers;
}
