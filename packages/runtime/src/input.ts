import type { StandardSchemaV1 } from '@standard-schema/spec';

/** Keys a FormData may never set on the object the schema sees (prototype pollution). */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Raised when a FormData carries a key that could pollute prototypes. */
export class ForbiddenFieldError extends Error {
  override name = 'ForbiddenFieldError';
  constructor(readonly field: string) {
    super(`form field "${field}" is not allowed`);
  }
}

function isFormData(value: unknown): value is FormData {
  return typeof FormData !== 'undefined' && value instanceof FormData;
}

/**
 * Turns a FormData into the object a schema validates (docs/reference.md §3): repeated keys become arrays, files stay `File`s,
 * Next's `$ACTION_*` bookkeeping fields are dropped, and prototype-polluting keys are rejected.
 */
export function formDataToObject(formData: FormData): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of formData.entries()) {
    // Next's no-JS form posts carry the action id and bound args as `$ACTION_ID_<id>`, `$ACTION_REF_n`, `$ACTION_n:k`.
    if (key.startsWith('$ACTION_')) continue;
    if (FORBIDDEN_KEYS.has(key)) throw new ForbiddenFieldError(key);
    if (Object.prototype.hasOwnProperty.call(result, key)) {
      const existing = result[key];
      if (Array.isArray(existing)) existing.push(value);
      else result[key] = [existing, value];
    } else {
      result[key] = value;
    }
  }
  return result;
}

/**
 * The value a schema validates for a call's arguments: the last argument when it is a FormData (`<form action>`,
 * `useActionState`'s `(prevState, formData)`, bound args before it), else the single argument, else the list.
 */
export function extractInput(args: readonly unknown[]): unknown {
  const last = args[args.length - 1];
  if (isFormData(last)) return formDataToObject(last);
  if (args.length === 0) return undefined;
  if (args.length === 1) return args[0];
  return [...args];
}

/** Validation failures split the way forms show them. */
export interface ValidationErrors {
  /** Messages per dotted field path. */
  fieldErrors: Record<string, string[]>;
  /** Messages that belong to the whole input. */
  formErrors: string[];
}

/** The outcome of running a Standard Schema. */
export type ValidationOutcome = { ok: true; value: unknown } | { ok: false; errors: ValidationErrors };

/**
 * Runs any Standard Schema v1 validator (zod, valibot, arktype…) and groups its issues by field. Synchronous when
 * the validator is (no promise on the hot path), a Promise when it is asynchronous.
 */
export function validateInput(schema: StandardSchemaV1, value: unknown): ValidationOutcome | Promise<ValidationOutcome> {
  const standard = schema?.['~standard'];
  if (standard === undefined || typeof standard.validate !== 'function') {
    throw new TypeError('action-guard: the action\'s schema does not implement Standard Schema v1 ("~standard").');
  }
  const result = standard.validate(value);
  return result instanceof Promise ? result.then(toOutcome) : toOutcome(result);
}

function toOutcome(result: StandardSchemaV1.Result<unknown>): ValidationOutcome {
  if (result.issues === undefined) return { ok: true, value: result.value };
  const errors: ValidationErrors = { fieldErrors: {}, formErrors: [] };
  for (const issue of result.issues) {
    const path = (issue.path ?? []).map((segment) =>
      String(typeof segment === 'object' && segment !== null ? segment.key : segment),
    );
    if (path.length === 0) {
      errors.formErrors.push(issue.message);
    } else {
      const field = path.join('.');
      (errors.fieldErrors[field] ??= []).push(issue.message);
    }
  }
  return { ok: false, errors };
}

/** An action's schemas by position, read once per action from its metadata. */
export interface PositionalSchemas {
  /** One schema per client-supplied parameter, in order. */
  schemas: readonly StandardSchemaV1[];
  /** Whether the last schema is a rest parameter's (it validates the array of the remaining arguments). */
  rest: boolean;
}

const positionalCache = new WeakMap<object, PositionalSchemas>();

/**
 * The schemas of an action from its metadata: `schema: () => [A, B]` (one per parameter; the policy marks a rest
 * parameter's as `...B`, crates-free-js-transform/src/validate/policy-arguments.ts `joinSchemaList`), or, from a
 * transform before positional schemas, `schema: () => A`, read as one position. `null` when the action has none.
 */
export function readPositionalSchemas(meta: {
  schema: (() => readonly StandardSchemaV1[] | StandardSchemaV1) | null;
  policy: { schema: string | null };
}): PositionalSchemas | null {
  if (meta.schema === null) return null;
  const cached = positionalCache.get(meta);
  if (cached !== undefined) return cached;
  const value = meta.schema();
  const schemas = Array.isArray(value) ? (value as readonly StandardSchemaV1[]) : [value as StandardSchemaV1];
  const names = meta.policy.schema?.split(', ') ?? [];
  const positional = { schemas, rest: Array.isArray(value) && names.length === schemas.length && names.at(-1)!.startsWith('...') };
  // Thunks are read lazily (module order, TDZ), so an action's schemas are cached only once all of them exist.
  if (schemas.every((schema) => schema !== undefined)) positionalCache.set(meta, positional);
  return positional;
}

/** What validating a call's arguments gave. */
export type ArgumentsOutcome =
  | {
      ok: true;
      /** The arguments the body receives: each schema's output; a FormData position as a FormData of the kept fields. */
      args: unknown[];
      /** Each position's validated value (a rest parameter's as its array). */
      inputs: unknown[];
      /** The last argument as its schema saw it (a FormData as an object): where `@dedupe key:<field>` is read. */
      lastRaw: unknown;
    }
  | { ok: false; errors: ValidationErrors };

const TOO_MANY_ARGUMENTS = 'The action was called with more arguments than it accepts.';

/**
 * Validates every argument with the schema of its position (docs/reference.md §3: nothing a client sends reaches the body
 * unvalidated). A FormData is converted with `formDataToObject` first (throws `ForbiddenFieldError`). An argument
 * the caller left out is validated as `undefined`; more arguments than positions fail, never dropped silently.
 * Errors of a single position are reported exactly as that schema gives them; with several, a FormData's stay
 * under their field names (what forms show) and the others' paths start with the argument's index (`0`, `0.id`).
 */
export function validateArguments(positional: PositionalSchemas, args: readonly unknown[]): ArgumentsOutcome | Promise<ArgumentsOutcome> {
  const { schemas, rest } = positional;
  const fixed = rest ? schemas.length - 1 : schemas.length;
  if (!rest && args.length > fixed) return { ok: false, errors: { fieldErrors: {}, formErrors: [TOO_MANY_ARGUMENTS] } };
  const raw: unknown[] = [];
  for (let index = 0; index < fixed; index++) raw.push(args[index]);
  if (rest) raw.push(args.slice(fixed));
  const toSchemaValue = (value: unknown): unknown => (isFormData(value) ? formDataToObject(value) : value);
  const seen = raw.map((value, index) => (rest && index === fixed ? (value as unknown[]).map(toSchemaValue) : toSchemaValue(value)));
  const lastRaw = args.length === 0 ? undefined : toSchemaValue(args[args.length - 1]);
  const outcomes = schemas.map((schema, index) => validateInput(schema, seen[index]));
  const finish = (results: ValidationOutcome[]): ArgumentsOutcome => {
    if (results.some((result) => !result.ok)) {
      if (results.length === 1) return results[0] as ArgumentsOutcome;
      const errors: ValidationErrors = { fieldErrors: {}, formErrors: [] };
      results.forEach((result, index) => {
        if (result.ok) return;
        const isForm = !(rest && index === fixed) && isFormData(raw[index]);
        mergeErrors(errors, result.errors, isForm ? null : (path) => argumentPath(index, fixed, rest, path));
      });
      return { ok: false, errors };
    }
    const inputs = results.map((result) => (result as { value: unknown }).value);
    const bodyArgs: unknown[] = [];
    inputs.forEach((value, index) => {
      if (rest && index === fixed) {
        if (!Array.isArray(value)) {
          throw new TypeError("action-guard: a rest parameter's schema must produce an array (it validates the remaining arguments).");
        }
        const rawRest = raw[index] as unknown[];
        value.forEach((item, at) => bodyArgs.push(isFormData(rawRest[at]) ? keptFields(rawRest[at] as FormData, item) : item));
      } else {
        bodyArgs.push(isFormData(raw[index]) ? keptFields(raw[index] as FormData, value) : value);
      }
    });
    return { ok: true, args: bodyArgs, inputs, lastRaw };
  };
  return outcomes.some((outcome) => outcome instanceof Promise) ? Promise.all(outcomes).then(finish) : finish(outcomes as ValidationOutcome[]);
}

/** `0.id` for position 0's field `id`; a rest parameter's element k is argument `fixed + k`. */
function argumentPath(index: number, fixed: number, rest: boolean, path: string): string {
  if (rest && index === fixed) {
    const [first, ...others] = path === '' ? [] : path.split('.');
    if (first !== undefined && /^\d+$/.test(first)) return [String(fixed + Number(first)), ...others].join('.');
  }
  return path === '' ? String(index) : `${index}.${path}`;
}

function mergeErrors(into: ValidationErrors, from: ValidationErrors, rename: ((path: string) => string) | null): void {
  for (const [field, messages] of Object.entries(from.fieldErrors)) (into.fieldErrors[rename === null ? field : rename(field)] ??= []).push(...messages);
  if (rename === null) into.formErrors.push(...from.formErrors);
  else if (from.formErrors.length > 0) (into.fieldErrors[rename('')] ??= []).push(...from.formErrors);
}

/**
 * A new FormData holding only the entries whose keys the schema's output kept, with their raw values (the ones
 * the schema accepted), so `formData.get()` keeps working and a field the schema stripped never reaches the body.
 * An output that is not a plain object keeps nothing.
 */
function keptFields(formData: FormData, output: unknown): FormData {
  const kept = new FormData();
  if (typeof output !== 'object' || output === null || Array.isArray(output)) return kept;
  for (const [key, value] of formData.entries()) {
    if (!key.startsWith('$ACTION_') && Object.prototype.hasOwnProperty.call(output, key)) kept.append(key, value);
  }
  return kept;
}
