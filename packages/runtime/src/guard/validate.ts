// Step 4: every argument validated by the schema of its position (input.ts validateArguments), so nothing a client
// sends (FormData, plain or `.bind` arguments, a previous state) reaches the body unvalidated: the body, `@authorize`
// and the fingerprint see the validated values, never the arguments as sent.
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { FailureDetails } from '../failures.js';
import { extractInput, ForbiddenFieldError, readPositionalSchemas, validateArguments, type ArgumentsOutcome } from '../input.js';
import type { ActionMeta } from '../types.js';

/** The call's arguments after validation: what every later step and the body see. */
export interface ValidatedCall {
  /** The action's schemas, one per position (empty when it has none). */
  schemas: readonly StandardSchemaV1[];
  /** Where `@dedupe key:<field>` is read: the last argument as its schema saw it. */
  rawInput: unknown;
  /** One position: its value. Several: the last one's, where a form's fields arrive. */
  input: unknown;
  /** The validated value of every position. */
  inputs: readonly unknown[];
  /** The arguments the body is called with. */
  args: readonly unknown[];
}

export type ValidationResult = { ok: true; call: ValidatedCall } | { ok: false; details: FailureDetails };

/** Validates `args` by `meta`'s positional schemas; synchronous when every schema is. */
export function validateCall(meta: ActionMeta, args: readonly unknown[]): ValidationResult | Promise<ValidationResult> {
  const positional = readPositionalSchemas(meta);
  let checked: ArgumentsOutcome | Promise<ArgumentsOutcome>;
  try {
    // No schema at all happens only with the build's missing-schema check turned off: nothing to validate.
    if (positional === null) {
      const input = extractInput(args);
      return { ok: true, call: { schemas: [], rawInput: input, input, inputs: [], args } };
    }
    checked = validateArguments(positional, args);
  } catch (error) {
    if (!(error instanceof ForbiddenFieldError)) throw error;
    return { ok: false, details: { fieldErrors: {}, formErrors: [`Field "${error.field}" is not allowed.`] } };
  }
  const { schemas } = positional;
  return checked instanceof Promise ? checked.then((outcome) => toResult(schemas, outcome)) : toResult(schemas, checked);
}

function toResult(schemas: readonly StandardSchemaV1[], outcome: ArgumentsOutcome): ValidationResult {
  if (!outcome.ok) return { ok: false, details: { fieldErrors: outcome.errors.fieldErrors, formErrors: outcome.errors.formErrors } };
  const { inputs } = outcome;
  return {
    ok: true,
    call: { schemas, rawInput: outcome.lastRaw, input: inputs.length === 1 ? inputs[0] : inputs[inputs.length - 1], inputs, args: outcome.args },
  };
}
