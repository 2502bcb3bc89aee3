import { importOpenTelemetry } from '#host-modules';
import { exportsWith } from './commonjs-interop.js';

// `@opentelemetry/api` is an optional peer. Inside Next it always resolves: when the app has not installed it,
// Next aliases it to its own compiled copy (next/dist/build/create-compiler-aliases.js), and every copy of the
// API reads the same global tracer provider, so our spans join the app's traces.

/** The slice of an OpenTelemetry span the guard uses. */
export interface SpanLike {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}

/** The slice of an OpenTelemetry tracer the guard uses. */
export interface TracerLike {
  startSpan(name: string, options?: { attributes?: Record<string, string | number | boolean> }): SpanLike;
}

const SPAN_STATUS_ERROR = 2;

let tracerPromise: Promise<TracerLike | null> | null = null;

/** Loads the global OpenTelemetry tracer once; null when `@opentelemetry/api` is not installed. */
export function loadTracer(): Promise<TracerLike | null> {
  tracerPromise ??= importOpenTelemetry().then(
    (api) => {
      const trace = exportsWith(api, 'trace')?.trace as typeof api.trace | undefined;
      return trace ? (trace.getTracer('@action-guard/runtime') as unknown as TracerLike) : null;
    },
    () => null,
  );
  return tracerPromise;
}

/** Marks a span as failed without recording anything that could hold input values. */
export function markSpanError(span: SpanLike, code: string): void {
  span.setStatus({ code: SPAN_STATUS_ERROR, message: code });
}
