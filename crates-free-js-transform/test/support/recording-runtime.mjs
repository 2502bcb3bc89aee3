/**
 * A test double of `@action-guard/runtime`'s default export: it records every `guard` call and then runs the
 * implementation with the arguments unchanged. The transform must not depend on the real runtime, so its tests
 * check the emitted calls against this recorder instead.
 */

/** Every guard call since the last reset: `{ meta, args, impl, self }`. */
export const calls = [];

/** Forgets recorded calls (between fixtures). */
export function resetCalls() {
  calls.length = 0;
}

export default {
  /** Records the call, then runs the action's original body with the same arguments. */
  async guard(meta, args, impl, self) {
    calls.push({ meta, args, impl, self });
    return impl(...args);
  },
};
