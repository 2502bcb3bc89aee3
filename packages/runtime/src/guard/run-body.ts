// Step 8: the body, with the validated arguments, under the call's context (getValidatedInput(), getActionSession())
// and its `@revalidates` targets.
import { runWithContext } from '../context.js';
import { runRevalidating } from '../revalidation.js';
import type { GuardCall } from './call.js';
import type { ValidatedCall } from './validate.js';

export function runBody<TResult>(call: GuardCall, validated: ValidatedCall, impl: (...args: any[]) => TResult): TResult | Promise<TResult> {
  const { schemas, inputs, args } = validated;
  return runWithContext({ schemas, inputs, session: call.session }, () =>
    runRevalidating(call.action, call.meta.policy, inputs, () => impl(...args)),
  );
}
