// The end of every call: one `call` event (docs/reference.md §3) and the end of its span.
import { markSpanError } from '../telemetry.js';
import type { CallOutcome, GuardEvent } from '../types.js';
import type { GuardCall, RuntimeContext } from './call.js';

/**
 * Next's id of the action this call runs, when known: `self.$$id` (the function object Next registered;
 * `registerServerReference` sets `$$id` on it in place), else the `next-action` header when the call read the headers.
 * Hands the id to `use` synchronously unless the headers have to be awaited.
 */
export function resolveCallId(context: RuntimeContext, call: GuardCall, use: (id: string | null) => void): void {
  const ownId = (call.self as { $$id?: unknown } | null | undefined)?.$$id;
  if (typeof ownId === 'string') return use(ownId);
  const headers = call.headersPromise;
  if (headers === null) return use(null);
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
