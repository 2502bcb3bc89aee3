// One guarded call's state, and what the steps read from its request: the headers (read lazily, at most once) and
// the caller's address.
import type { SpanLike } from '../telemetry.js';
import type { ActionMeta, GuardStore, Session } from '../types.js';
import { denyInternal } from './denial.js';
import type { ResolvedRuntimeOptions } from './options.js';
import type { Reporter } from './reporting.js';

/** What every call of one runtime shares: its options, store and reporter. */
export interface RuntimeContext<TSession extends Session = Session> {
  readonly resolved: ResolvedRuntimeOptions<TSession>;
  readonly store: GuardStore;
  readonly reporter: Reporter;
}

/** An idempotency claim this call holds: given back if the body throws, completed with its result. */
export interface HeldClaim {
  key: string;
  token: string;
}

/** The state of one guarded call, filled in as the pipeline goes. */
export interface GuardCall<TSession extends Session = Session> {
  readonly meta: ActionMeta;
  /** `meta.ref`: the action's name in events, store keys and logs. */
  readonly action: string;
  /** The function object Next registered, when the transform could name it (its `$$id` is the action's id). */
  readonly self: unknown;
  /** `performance.now()` when the call started; 0 without an `onEvent` sink. */
  readonly startedAt: number;
  readonly span: SpanLike | null;
  session: TSession | null;
  heldRoles: readonly string[];
  headersPromise: Promise<Headers> | null;
  claim: HeldClaim | null;
}

export function startCall<TSession extends Session>(meta: ActionMeta, self: unknown, startedAt: number, span: SpanLike | null): GuardCall<TSession> {
  return {
    meta,
    action: meta.ref,
    self,
    startedAt,
    span,
    session: null,
    heldRoles: [],
    headersPromise: null,
    claim: null,
  };
}

/** The request's headers, read once per call and only by a step that needs them. */
export function readCallHeaders(context: RuntimeContext, call: GuardCall): Promise<Headers> {
  return (call.headersPromise ??= Promise.resolve().then(context.resolved.headers));
}

/** The caller's address when a trustworthy one is known (the `clientIp` option), else null. */
export async function clientIpOrNull(context: RuntimeContext, call: GuardCall): Promise<string | null> {
  return context.resolved.clientIp.read(await readCallHeaders(context, call));
}

/** For what cannot do without it (a `by:ip` bucket): no trustworthy address fails the call, loudly. */
export async function requireClientIp(context: RuntimeContext, call: GuardCall): Promise<string> {
  const headers = await readCallHeaders(context, call);
  const ip = context.resolved.clientIp.read(headers);
  if (ip !== null) return ip;
  context.reporter.clientIpUnavailable(call.action, context.resolved.clientIp.explainMissing(headers));
  return denyInternal();
}
