// The end of every call: one `call` event (docs/reference.md §3) and the end of its span.
import { markSpanError } from '../telemetry.js';
import { insideGuardedCall } from '../context.js';
import type { CallOutcome, GuardEvent } from '../types.js';
import type { GuardCall, RuntimeContext } from './call.js';

/**
 * Next's id of the action this call runs, when known:
 * - `self.$$id`: the function object Next registered (`registerServerReference` sets `$$id` on it in place); the
 *   transform passes it for exports.
 * - An inline action's body cannot name that object: Next hoists the function to a module export it names itself
 *   and registers that (docs/next-internals.md §1, §6), and any other name the body used would be captured. Its id
 *   is the one the request routed to, the `next-action` header, but only for the request's own call: a guarded call
 *   made from inside another one is not what the header names.
 * - Otherwise null: a no-JS form post of an inline action (its id travels in the form body, which Next consumed), or
 *   a call during a page render.
 * Hands the id to `use` synchronously unless the headers have to be awaited.
 */
export function resolveCallId(context: RuntimeContext, call: GuardCall, use: (id: string | null) => void): void {
  const ownId = (call.self as { $$id?: unknown } | null | undefined)?.$$id;
  if (typeof ownId === 'string') return use(ownId);
  if (insideGuardedCall()) return use(null);
  let headers: Headers | Promise<Headers> | null = call.headersPromise;
  if (headers === null) {
    try {
      headers = context.resolved.headers();
    } catch {
      return use(null);
    }
  }
  if (!(headers instanceof Promise)) return use(headers.get('next-action'));
  void headers.then(
    (known) => use(known.get('next-action')),
    () => use(null),
  );
}

/** Reports the call's outcome. Synchronous: when the id must come from headers still being read, the event follows once they are. */
export function finishCall(context: RuntimeContext, call: GuardCall, outcome: CallOutcome, code?: string, ref?: string): void {
  if (context.resolved.onEvent === null && call.span === null) return;
  resolveCallId(context, call, (id) => reportCall(context, call, id, outcome, code, ref));
}

/** Emits the call event and ends the span. */
export function reportCall(context: RuntimeContext, call: GuardCall, id: string | null, outcome: CallOutcome, code?: string, ref?: string): void {
  if (context.resolved.onEvent !== null) {
    const event: GuardEvent = { type: 'call', action: call.action, id, outcome, durationMs: performance.now() - call.startedAt };
    if (code !== undefined) event.code = code;
    if (call.session !== null) event.principal = call.session.id;
    if (ref !== undefined) event.ref = ref;
    if (call.meta.baselined !== undefined && call.meta.baselined.length > 0) event.baselined = true;
    context.reporter.emit(event);
  }
  const { span } = call;
  if (span !== null) {
    span.setAttribute('action_guard.outcome', outcome);
    if (id !== null) span.setAttribute('action_guard.id', id);
    if (code !== undefined) {
      span.setAttribute('action_guard.code', code);
      markSpanError(span, code);
    }
    span.end();
  }
}
