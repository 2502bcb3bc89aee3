import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Session } from './types.js';

/** What the body of a guarded call can read back through `getValidatedInput()` and `getActionSession()`. */
export interface CallContext {
  /** The action's schemas, one per client-supplied parameter (empty when it has none). */
  schemas: readonly StandardSchemaV1[];
  /** The validated value of each position, in the order of `schemas`. */
  inputs: readonly unknown[];
  session: Session | null;
}

interface Storage<T> {
  run<R>(store: T, callback: () => R): R;
  getStore(): T | undefined;
}

type StorageConstructor = new <T>() => Storage<T>;

// Where AsyncLocalStorage comes from, in order:
// 1. `globalThis.AsyncLocalStorage`: Next installs it in the Node runtime (next/dist/server/node-environment-baseline.js)
//    and in its Edge sandbox (next/dist/server/web/sandbox/context.js); Vercel's Edge runtime has it too.
// 2. Plain Node (tests, scripts, custom servers that never loaded Next): `process.getBuiltinModule` (Node ≥ 20.16),
//    which is synchronous and is not an import statement, so an Edge bundle never sees a `node:` import.
// Without either, guarded calls still run; only `getValidatedInput()`/`getActionSession()` throw, saying why.
function findAsyncLocalStorage(): StorageConstructor | null {
  const global = globalThis as { AsyncLocalStorage?: StorageConstructor; process?: { getBuiltinModule?: (id: string) => unknown } };
  if (typeof global.AsyncLocalStorage === 'function') return global.AsyncLocalStorage;
  const builtin = global.process?.getBuiltinModule?.('node:async_hooks') as { AsyncLocalStorage?: StorageConstructor } | undefined;
  return builtin?.AsyncLocalStorage ?? null;
}

// One storage per realm, shared by every copy of this module (Next may bundle the runtime into several chunks),
// so `getValidatedInput()` imported from one chunk sees the call started by the guard in another.
const STORAGE_KEY = Symbol.for('action-guard.call-context');
function getStorage(): Storage<CallContext> | null {
  const holder = globalThis as { [STORAGE_KEY]?: Storage<CallContext> | null };
  if (holder[STORAGE_KEY] === undefined) {
    const Constructor = findAsyncLocalStorage();
    holder[STORAGE_KEY] = Constructor === null ? null : new Constructor<CallContext>();
  }
  return holder[STORAGE_KEY] ?? null;
}

/** Runs `callback` with `context` as the current guarded call. */
export function runWithContext<R>(context: CallContext, callback: () => R): R {
  const storage = getStorage();
  return storage === null ? callback() : storage.run(context, callback);
}

/** Whether a guarded call's body is running in this async context (one guarded call made from inside another). */
export function insideGuardedCall(): boolean {
  return getStorage()?.getStore() !== undefined;
}

function currentContext(caller: string): CallContext {
  const storage = getStorage();
  if (storage === null) {
    throw new Error(
      `${caller} needs AsyncLocalStorage, which this runtime does not provide (no globalThis.AsyncLocalStorage).`,
    );
  }
  const context = storage.getStore();
  if (context === undefined) {
    throw new Error(`${caller} was called outside a guarded Server Action call.`);
  }
  return context;
}

/**
 * Reads the current call's validated (and transformed) value of the argument `schema` validates, typed by it: the
 * body's way to use the parsed value without parsing again (for a FormData argument, the schema's output object).
 * Throws outside a guarded call, when `schema` is none of the action's `@schema` list, or when the list names it for
 * several arguments (read those from the parameters, which hold the validated values).
 */
export function getValidatedInput<S extends StandardSchemaV1>(schema: S): StandardSchemaV1.InferOutput<S> {
  const context = currentContext('getValidatedInput()');
  if (context.schemas.length === 0) {
    throw new Error('getValidatedInput() was called in an action that has no schema (add `@schema` to its JSDoc).');
  }
  const position = context.schemas.indexOf(schema);
  if (position === -1) {
    throw new Error("getValidatedInput() was called with a schema other than the action's own `@schema` list.");
  }
  if (context.schemas.indexOf(schema, position + 1) !== -1) {
    throw new Error('getValidatedInput() was called with a schema the action names for several arguments; read them from its parameters.');
  }
  return context.inputs[position] as StandardSchemaV1.InferOutput<S>;
}

/** Reads the session the guard resolved for the current call (null for an anonymous call to a public action). */
export function getActionSession<TSession extends Session = Session>(): TSession | null {
  return currentContext('getActionSession()').session as TSession | null;
}
