// Builds what a single guard step needs (a runtime context and one call), so a step is exercised directly.
import { startCall, type GuardCall, type RuntimeContext } from '../src/guard/call.js';
import { resolveRuntimeOptions, type RuntimeOptions } from '../src/guard/options.js';
import { createReporter } from '../src/guard/reporting.js';
import type { GuardEvent, Session } from '../src/index.js';
import type { ActionMeta } from '../src/internal.js';
import { meta as makeMeta } from './helpers.js';

export function stepContext(options: Partial<RuntimeOptions> = {}): RuntimeContext & { events: GuardEvent[] } {
  const events: GuardEvent[] = [];
  const resolved = resolveRuntimeOptions({ session: () => null, headers: () => new Headers(), tracing: false, onEvent: (event) => events.push(event), ...options });
  return { resolved, store: resolved.store, reporter: createReporter(resolved), events };
}

export function stepCall(meta: ActionMeta = makeMeta(), session: Session | null = null, self?: unknown): GuardCall {
  const call = startCall(meta, self, 0, null);
  if (session !== null) {
    call.session = session;
    call.heldRoles = Array.isArray(session.roles) ? session.roles : typeof session.roles === 'string' ? [session.roles] : [];
  }
  return call;
}

export function denialOf(run: () => unknown): { code: string; outcome: string; details: unknown } {
  try {
    run();
  } catch (error) {
    const denial = error as { failure?: { error: { code: string } & Record<string, unknown> }; outcome?: string };
    if (denial.failure === undefined) throw error;
    return { code: denial.failure.error.code, outcome: denial.outcome!, details: denial.failure.error };
  }
  throw new Error('expected a denial');
}
