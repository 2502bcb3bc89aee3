// The runtime's tracer (OpenTelemetry, optional): loaded lazily once; only the first calls wait for it.
import { loadTracer, type TracerLike } from '../telemetry.js';

export interface RuntimeTracing {
  /** True once the tracer is known; from then on `tracer` is read synchronously. */
  settled: boolean;
  tracer: TracerLike | null;
  /** Settles with the tracer (null: tracing off or `@opentelemetry/api` missing). */
  ready: Promise<TracerLike | null>;
}

export function createTracing(option: boolean | TracerLike): RuntimeTracing {
  const ready: Promise<TracerLike | null> = option === false ? Promise.resolve(null) : option === true ? loadTracer() : Promise.resolve(option);
  const tracing: RuntimeTracing = { settled: false, tracer: null, ready };
  void ready.then((loaded) => {
    tracing.tracer = loaded;
    tracing.settled = true;
  });
  return tracing;
}
