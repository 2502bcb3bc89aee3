// The guard, top to bottom in the order of the pipeline (docs/reference.md, docs/rate-limits.md for why this order):
// session → authentication and roles → validation → @authorize → rate limit → idempotency claim → body.
// Each step lives in its own file of this directory; a step stops the call by throwing a Denial (denial.ts).
import { answerFailure, type MapperHooks } from '../failure-mapper.js';
import { createFailure, type ActionFailure, type FailureCode, type FailureDetails } from '../failures.js';
import { serializeResult, UNREPLAYABLE } from '../idempotency.js';
import { loadRethrow } from '../next-interop.js';
import { SessionShapeError } from '../session-shape.js';
import type { SpanLike } from '../telemetry.js';
import type { ActionMeta, Session } from '../types.js';
import { authorizeCall } from './authorize.js';
import { startCall, type GuardCall, type RuntimeContext } from './call.js';
import { finishCall } from './call-report.js';
import { deny, Denial, denyInternal } from './denial.js';
import { claimRecord, completeClaim, idempotencyRecord, releaseClaim } from './idempotency-claim.js';
import { acceptSession, identityRefusal } from './identity.js';
import { replayableDigest, THROWN_PREFIX } from './next-control-flow.js';
import { checkOrigin } from './origin.js';
import { CallRateLimit } from './rate-limit.js';
import { runBody } from './run-body.js';
import type { RuntimeTracing } from './tracing.js';
import { validateCall, type ValidatedCall } from './validate.js';

/** What one runtime's guard needs besides the call: its context, tracer and Next's `unstable_rethrow`. */
export interface GuardRuntime<TSession extends Session = Session> extends RuntimeContext<TSession> {
  readonly tracing: RuntimeTracing;
  readonly rethrowReady: ReturnType<typeof loadRethrow>;
  /** How an `@onFailure` mapper that threw is reported (src/failure-mapper.ts). */
  readonly failureMapperHooks: MapperHooks;
}

/** Runs `impl` with `args` under the policy in `meta`; failures come back as values. */
export async function runGuard<TSession extends Session, TArgs extends [] | unknown[], TResult>(
  runtime: GuardRuntime<TSession>,
  meta: ActionMeta,
  args: TArgs,
  impl: (...args: NoInfer<TArgs>) => TResult,
  self: unknown,
): Promise<Awaited<TResult> | ActionFailure> {
  runtime.reporter.checkEncryptionKey();
  // Only an event carries the duration: without a sink, no clock is read for it.
  const startedAt = runtime.resolved.onEvent === null ? 0 : performance.now();
  const { tracing } = runtime;
  // Only the first calls await the (lazy) tracer import; later ones read the settled value synchronously.
  const tracer = tracing.settled ? tracing.tracer : await tracing.ready;
  const span: SpanLike | null = tracer?.startSpan(`action ${meta.ref}`, { attributes: { 'action_guard.action': meta.ref } }) ?? null;
  const call = startCall<TSession>(meta, self, startedAt, span);
  const { policy } = meta;
  let rateLimit: CallRateLimit | null = null;

  // Refused from validation on: the call counts in the caller's own bucket first (RATE_LIMITED once that is spent).
  const refuse = async (code: FailureCode, details?: FailureDetails): Promise<never> => {
    const charged = rateLimit?.chargeRefused();
    if (charged !== undefined) await charged;
    return deny(code, details);
  };

  try {
    if (runtime.resolved.origin === 'strict') await checkOrigin(runtime, call);

    // 1. Session.
    let session = runtime.resolved.session();
    if (session instanceof Promise) session = await session;
    acceptSession(call, session);

    // 2. Authentication and 3. roles, from the session alone: such a refusal costs nothing in any bucket.
    const refusal = identityRefusal(call);
    if (refusal !== null) deny(refusal);

    // The caller's own bucket (`by:user` with a session) is charged now; a shared one once the call is admitted.
    if (policy.rateLimit !== null) {
      rateLimit = new CallRateLimit(runtime, call, policy.rateLimit);
      if (rateLimit.ownBucketFirst && !rateLimit.mergeWithClaim) {
        const charged = rateLimit.charge();
        if (charged !== undefined) await charged;
      }
    }

    // 4. Validation.
    let validation = validateCall(meta, args);
    if (validation instanceof Promise) validation = await validation;
    if (!validation.ok) return await refuse('INVALID_INPUT', validation.details);
    const validated: ValidatedCall = validation.call;

    // 5. @authorize. A refusal counts only in the caller's own bucket; an admitted call, in the action's.
    if (meta.authorize !== null) {
      if (call.session === null) deny('UNAUTHENTICATED');
      if ((await authorizeCall(call, call.session, validated)) !== true) await refuse('FORBIDDEN');
    }

    // 6. Rate limit of an admitted call (unless the claim's round trip makes it).
    if (rateLimit !== null && rateLimit.pending && !rateLimit.mergeWithClaim) {
      const charged = rateLimit.charge();
      if (charged !== undefined) await charged;
    }

    // 7. Idempotency claim, then 8. the body and 9. its result stored under the claim (fenced by its token).
    if (policy.dedupe !== null) {
      let found = idempotencyRecord(runtime, call, validated, policy.dedupe);
      if (found instanceof Promise) found = await found;
      if (!found.ok) {
        if (found.refusal === 'IDEMPOTENCY_KEY_REQUIRED') return await refuse('IDEMPOTENCY_KEY_REQUIRED');
        // `@dedupe input` without a session: counted like a refusal, reported to the operator, INTERNAL_ERROR.
        const charged = rateLimit?.chargeRefused();
        if (charged !== undefined) await charged;
        runtime.reporter.anonymousInputDedupe(call.action);
        return denyInternal();
      }
      const { record } = found;
      let claimed = claimRecord(runtime, call, record, rateLimit);
      if (claimed instanceof Promise) claimed = await claimed;
      if (claimed.status === 'replay') {
        finishCall(runtime, call, 'replayed');
        return claimed.value as Awaited<TResult>;
      }
      const held = call.claim!;
      let result: Awaited<TResult>;
      try {
        result = await runBody(call, validated, impl);
      } catch (error) {
        const digest = replayableDigest(error);
        if (digest !== null) {
          await completeClaim(runtime, call.action, held, THROWN_PREFIX + digest, record.ttlMs);
          call.claim = null;
        }
        throw error;
      }
      const serialized = serializeResult(result);
      if (serialized === null) {
        runtime.reporter.emit({
          type: 'warning',
          code: 'idempotency-result-unserializable',
          action: call.action,
          message: 'action-guard: the result could not be stored for replay; repeats with this key get INTERNAL_ERROR.',
        });
      }
      const completing = completeClaim(runtime, call.action, held, serialized ?? UNREPLAYABLE, record.ttlMs);
      if (completing !== undefined) await completing;
      call.claim = null;
      finishCall(runtime, call, 'ok');
      return result;
    }

    // 8. The body.
    const result = await runBody(call, validated, impl);
    finishCall(runtime, call, 'ok');
    return result;
  } catch (error) {
    const failed = failCall(runtime, call, error);
    const failure = failed instanceof Promise ? await failed : failed;
    // `@onFailure`: a failure the guard produced becomes the action's own result; a body's result never reaches here.
    if (meta.onFailure === undefined) return failure;
    return (await answerFailure(meta, failure, args, runtime.failureMapperHooks)) as Awaited<TResult> | ActionFailure;
  }
}

/**
 * The end of a call that threw: a denial is returned as its failure; Next's control flow goes on; anything else is
 * the app's unexpected error: reported under a fresh ref and returned as INTERNAL_ERROR (or rethrown on request).
 */
function failCall(runtime: GuardRuntime, call: GuardCall, error: unknown): ActionFailure | Promise<ActionFailure> {
  if (error instanceof Denial) {
    finishCall(runtime, call, error.outcome, error.failure.error.code, error.failure.error.ref);
    return error.failure;
  }
  return failUnexpectedly(runtime, call, error);
}

async function failUnexpectedly(runtime: GuardRuntime, call: GuardCall, error: unknown): Promise<ActionFailure> {
  // A body that threw gives its claim back so a retry can run (unless completeClaim already stored it).
  if (call.claim !== null) await releaseClaim(runtime, call);
  const rethrow = await runtime.rethrowReady;
  try {
    rethrow(error);
  } catch (controlFlow) {
    finishCall(runtime, call, 'control-flow');
    throw controlFlow;
  }
  const ref = crypto.randomUUID();
  // A session of the wrong shape is the app's bug, not the caller's: it is always logged, with the field and the ref
  // the caller got, whether or not onError is set (INTERNAL_ERROR must never leave the log empty).
  if (error instanceof SessionShapeError) runtime.reporter.sessionShape(error, ref);
  runtime.reporter.unexpectedError(error, call.action, ref);
  finishCall(runtime, call, 'error', 'INTERNAL_ERROR', ref);
  if (runtime.resolved.rethrowErrors) throw error;
  return createFailure('INTERNAL_ERROR', { ref });
}
