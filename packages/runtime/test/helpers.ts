import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { ActionFailure, AuthorizeFn, GuardEvent } from '../src/index.js';
import type { ActionMeta, NormalizedPolicy } from '../src/internal.js';

/** A policy as the transform would emit it for `@requiresAuth` alone, with `overrides` applied. */
export function policy(overrides: Partial<NormalizedPolicy> = {}): NormalizedPolicy {
  return {
    auth: 'required',
    publicReason: null,
    roles: [],
    authorize: null,
    schema: null,
    dedupe: null,
    rateLimit: null,
    fromRules: [],
    ...overrides,
  };
}

/** The metadata constant the transform emits beside an action. */
export function meta(
  options: {
    ref?: string;
    policy?: Partial<NormalizedPolicy>;
    /** One schema: an action with one parameter (`@schema X`). */
    schema?: StandardSchemaV1;
    /** One schema per parameter, in order (`@schema A, B`); `rest` marks the last as a rest parameter's. */
    schemas?: StandardSchemaV1[];
    rest?: boolean;
    authorize?: AuthorizeFn;
    /** The `@onFailure` function. */
    onFailure?: (failure: ActionFailure, ...args: any[]) => unknown;
  } = {},
): ActionMeta {
  const schemas = options.schemas ?? (options.schema === undefined ? null : [options.schema]);
  // As the transform writes them: `A, B`, a rest parameter's as `...B`.
  const names = schemas?.map((_, index) => (options.rest === true && index === schemas.length - 1 ? `...schema${index}` : `schema${index}`));
  const ref = options.ref ?? 'app/actions.ts#save';
  const [file = ref, exportName = null] = ref.split('#');
  return {
    ref,
    file,
    exportName,
    kind: 'export',
    line: 1,
    column: 0,
    policy: policy({
      ...options.policy,
      schema: names === undefined ? null : names.join(', '),
      authorize: options.authorize === undefined ? null : 'authorize',
    }),
    schema: schemas === null ? null : () => schemas,
    authorize: options.authorize === undefined ? null : () => options.authorize!,
    ...(options.onFailure === undefined ? {} : { onFailure: () => options.onFailure! }),
  };
}

/** Collects events for assertions. */
export function eventLog(): { events: GuardEvent[]; onEvent: (event: GuardEvent) => void; calls: () => GuardEvent[] } {
  const events: GuardEvent[] = [];
  return { events, onEvent: (event) => events.push(event), calls: () => events.filter((event) => event.type === 'call') };
}

/** Request headers for a fetch action, with anything in `extra`. */
export function actionHeaders(extra: Record<string, string> = {}): Headers {
  return new Headers({ 'next-action': '7f00000000000000000000000000000000000000aa', origin: 'http://localhost:3000', ...extra });
}
