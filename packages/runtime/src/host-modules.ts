// How the runtime gets the modules its host provides: Next's `next/navigation`, `next/headers` and `next/cache`, and
// `@opentelemetry/api`. All four are optional peers, so outside a Next bundle (plain Node, unit tests, a bundler
// without Next's aliases) they are imported lazily and may fail; callers fall back. Inside Next's server bundles the
// package's `imports` map picks host-modules.react-server.ts instead (see there).

export function importNextNavigation(): Promise<typeof import('next/navigation')> {
  // `next/navigation` is the specifier bundlers (and Next's per-layer aliases) expect; plain Node ESM cannot resolve
  // an extension-less subpath of a package without `exports`, so it gets the `.js` form, which Next aliases too.
  return import('next/navigation').catch(() => import('next/navigation.js'));
}

export function importNextHeaders(): Promise<typeof import('next/headers')> {
  return import('next/headers').catch(() => import('next/headers.js'));
}

export function importNextCache(): Promise<unknown> {
  return import('next/cache').catch(() => import('next/cache.js'));
}

export function importOpenTelemetry(): Promise<typeof import('@opentelemetry/api')> {
  return import('@opentelemetry/api');
}
