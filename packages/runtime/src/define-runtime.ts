// `defineRuntime()`: the runtime an app's runtime module default-exports. The guard itself is the pipeline in
// guard/pipeline.ts, one file per step under guard/ (docs/architecture.md §4).
import { guardCache } from './guard-cache.js';
import type { ActionFailure } from './failures.js';
import { loadRethrow } from './next-interop.js';
import { runGuard, type GuardRuntime } from './guard/pipeline.js';
import { resolveRuntimeOptions, type ResolvedRuntimeOptions, type RuntimeOptions } from './guard/options.js';
import { createReporter } from './guard/reporting.js';
import { createTracing } from './guard/tracing.js';
import type { ActionMeta, Session } from './types.js';

export { resolveRuntimeOptions };
export type { ResolvedRuntimeOptions, RuntimeOptions };

/** The object an app's runtime module default-exports; generated code calls `guard()`. */
export interface Runtime<TSession extends Session = Session> {
  /** Runs `impl` with `args` under the policy in `meta`; failures come back as values. `self` carries Next's `$$id`. */
  guard<TArgs extends [] | unknown[], TResult>(
    meta: ActionMeta,
    args: TArgs,
    impl: (...args: NoInfer<TArgs>) => TResult,
    self?: unknown,
  ): Promise<Awaited<TResult> | ActionFailure>;
  /** Runs a `"use cache"` function's `impl` with validated `args`; throws `CacheGuardError` on refusal (src/guard-cache.ts). */
  guardCache: typeof guardCache;
  /** The options after validation and defaults. */
  readonly options: Readonly<ResolvedRuntimeOptions<TSession>>;
}

/** Creates the runtime an app's runtime module default-exports. */
export function defineRuntime<TSession extends Session = Session>(options: RuntimeOptions<TSession>): Runtime<TSession> {
  const resolved = resolveRuntimeOptions(options);
  const reporter = createReporter(resolved);
  const rethrowReady = loadRethrow();
  const runtime: GuardRuntime<TSession> = {
    resolved,
    store: resolved.store,
    reporter,
    tracing: createTracing(resolved.tracing),
    rethrowReady,
    // An `@onFailure` mapper that throws is the app's bug: logged with the ref the caller gets, like a session of the
    // wrong shape, and passed to onError like a body's error; its redirect() passes (src/failure-mapper.ts).
    failureMapperHooks: { rethrow: rethrowReady, reportError: (error, action, ref) => reporter.failureMapperError(error, action, ref) },
  };
  return {
    guard: (meta, args, impl, self) => runGuard(runtime, meta, args, impl, self),
    guardCache,
    options: resolved,
  };
}
