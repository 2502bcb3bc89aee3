// The `react-server` variant of host-modules.ts, chosen by the package's `imports` map (`#host-modules`) in Next's
// server layers on webpack and Turbopack, where guarded actions run. There all four modules always resolve: Next
// is the host, and it aliases `@opentelemetry/api` to its own compiled copy when the app has not installed it. So
// they are imported statically: a dynamic `import()` makes the bundler emit async chunks for every route with an
// action (docs/measurements.md#host-modules-static-imports), and bought nothing, since the guard needs these
// modules on its first call anyway.
import * as navigation from 'next/navigation';
import * as nextHeaders from 'next/headers';
import * as nextCache from 'next/cache';
import * as openTelemetry from '@opentelemetry/api';

export function importNextNavigation(): Promise<typeof import('next/navigation')> {
  return Promise.resolve(navigation);
}

export function importNextHeaders(): Promise<typeof import('next/headers')> {
  return Promise.resolve(nextHeaders);
}

export function importNextCache(): Promise<unknown> {
  return Promise.resolve(nextCache);
}

export function importOpenTelemetry(): Promise<typeof import('@opentelemetry/api')> {
  return Promise.resolve(openTelemetry);
}
