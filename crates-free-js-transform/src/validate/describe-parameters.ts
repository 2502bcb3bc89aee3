import type { FunctionNode } from '../analyze/collect-action-sites.js';

/** An action's declared parameters as the `@schema` check sees them: every one is client-supplied. */
export interface ParameterList {
  /** How messages name each parameter, in order: `id`, `prevState`, `parameter 2` (a pattern), `items` (rest). */
  names: string[];
  /** Whether the last one is a rest parameter (its schema validates the array of the remaining arguments). */
  rest: boolean;
}

/**
 * The parameters a client can fill: every declared one (docs/next-internals.md §6: a form passes `(formData)`, `.bind`
 * prepends its values, `useActionState` prepends the previous state, a direct call passes anything). TypeScript's
 * `this: T` pseudo-parameter is erased and not counted, as in codegen/plan-guards.ts `parameterShape`. Variables an
 * inline action captures are not parameters: Next encrypts them, so no client controls them.
 */
export function describeParameters(fn: FunctionNode): ParameterList {
  const params = fn.params.filter((param) => !(param.type === 'Identifier' && param.name === 'this'));
  const names = params.map((param, index) => {
    const target = param.type === 'AssignmentPattern' ? param.left : param.type === 'RestElement' ? param.argument : param;
    return target.type === 'Identifier' ? target.name : `parameter ${index + 1}`;
  });
  return { names, rest: params.at(-1)?.type === 'RestElement' };
}
