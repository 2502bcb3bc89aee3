/**
 * Everything a module compiled by Next's SWC (rsc layer) imports, for running it outside Next: the server-reference
 * and validation helpers Next injects, the closure encryption and "use cache" wrappers, React's `cache` and JSX
 * runtime, the generated modules' './helpers', and a recording action-guard runtime. Every call that matters is
 * appended to one event log (`state().events`), in order, so the differential test can tell whether a guard ran
 * before any body code.
 *
 * Imported by absolute file URL from every evaluated module, so one instance serves them all; the test resets the
 * shared state before each module (`resetState`).
 */

const KEY = Symbol.for('action-guard.differential.state');

/** The shared state: the event log, whether the guard lets calls through, and the registrations. */
export function state() {
  globalThis[KEY] ??= { events: [], allow: true, registrations: [], bound: new Map() };
  return globalThis[KEY];
}

/** Starts a fresh module: no events, no registrations, guard allowing. */
export function resetState() {
  const current = state();
  current.events = [];
  current.allow = true;
  current.registrations = [];
  current.bound = new Map();
}

// private-next-rsc-server-reference (React's registerServerReference: tags the function in place, returns it).
export function registerServerReference(reference, id, exportName) {
  state().registrations.push({ reference, id, exportName: exportName ?? null });
  Object.defineProperties(reference, {
    $$typeof: { value: Symbol.for('react.server.reference'), configurable: true },
    $$id: { value: id, configurable: true },
    $$bound: { value: null, configurable: true },
  });
  return reference;
}

// private-next-rsc-action-validate (the same check Next's action-validate.js makes).
export function ensureServerEntryExports(actions) {
  for (const action of actions) {
    if (typeof action !== 'function') {
      throw new Error(`A "use server" file can only export async functions, found ${typeof action}.`);
    }
  }
}

// private-next-rsc-action-encryption: closures round-trip as a token; an unknown token yields placeholders.
export async function encryptActionBoundArgs(id, ...args) {
  const token = `bound:${id}:${state().bound.size}`;
  state().bound.set(token, args);
  return token;
}
export async function decryptActionBoundArgs(id, token) {
  return state().bound.get(await token) ?? Array.from({ length: 8 }, () => placeholder());
}

// private-next-rsc-cache-wrapper: runs the cached function (a cache miss every time).
export function cache(kind, id, boundArgsLength, fn, args) {
  return fn(...Array.from(args));
}

// react: `cache` is the identity here; the JSX runtime builds plain objects.
export const reactCache = (fn) => fn;
export function jsx(type, props) {
  return { type, props };
}
export const jsxs = jsx;
export const jsxDEV = jsx;
export const Fragment = Symbol.for('react.fragment');

/** An argument every generated parameter shape accepts (`a`, `{ x }`, `[first]`, rest). */
export function placeholder() {
  return Object.assign(['first'], { x: 1 });
}

// ./helpers of the generated modules.
export function mark(label) {
  state().events.push({ type: 'body', label });
}
export function wrap(fn) {
  return async function wrapped(...args) {
    return fn(...args);
  };
}
export async function canEdit() {
  return true;
}
export const sharedInput = { '~standard': { version: 1, vendor: 'differential', validate: (value) => ({ value }) } };

// The action-guard runtime: records which ref it guards, then calls the implementation or refuses.
export const runtime = {
  async guard(meta, args, impl, self) {
    state().events.push({ type: 'guard', ref: meta.ref, self });
    if (!state().allow) return 'refused by the recording guard';
    return impl(...args);
  },
  // guardCache validates arguments only; "refusing" stands for arguments that fail their schemas (it throws).
  async guardCache(meta, args, impl) {
    state().events.push({ type: 'guard', ref: meta.ref, self: undefined });
    if (!state().allow) throw new Error('refused by the recording cache guard');
    return impl(...args);
  },
};
