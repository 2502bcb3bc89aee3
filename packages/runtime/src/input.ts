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
 * Turns a FormData into the object a schema validates (SPEC §3): repeated keys become arrays, files stay `File`s,
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
