// `@revalidates`: after the body of an action succeeds, revalidate what it declared, with Next's own APIs. The grammar
// of targets lives in the transform (validate/policy-arguments.ts); the policy carries them as written, and this
// module only fills in `{field}` placeholders and calls Next.
import { isActionFailure } from './failures.js';
import { loadNextCache, type NextCacheApi } from './next-interop.js';
import type { NormalizedPolicy, RevalidateTarget } from './types.js';

/** A target that cannot be filled in from this call's validated input: the call fails before the body runs. */
export class RevalidationTargetError extends Error {
  override name = 'RevalidationTargetError';
}

// `{field}` as the transform's grammar writes it (MAX length as Next's NEXT_CACHE_TAG_MAX_LENGTH).
const PLACEHOLDER = /\{([A-Za-z_$][\w$]*)\}/g;
const MAX_TAG_LENGTH = 256;

function describeValue(value: unknown): string {
  if (value === undefined) return 'no such field';
  if (value === null) return 'null';
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  return typeof value === 'object' ? (Array.isArray(value) ? 'an array' : 'an object') : `${typeof value} ${String(value)}`;
}

/**
 * A target with its `{field}`s taken from the validated input (the last argument's schema output, where a form's
 * fields arrive). A path's values are URL-encoded (one value stays one segment); a tag's are used as they are.
 */
export function fillTarget(target: RevalidateTarget, input: unknown, action: string): RevalidateTarget {
  if (!target.value.includes('{')) return target;
  const value = target.value.replace(PLACEHOLDER, (_placeholder, field: string) => {
    const raw = typeof input === 'object' && input !== null && Object.hasOwn(input, field) ? (input as Record<string, unknown>)[field] : undefined;
    if ((typeof raw === 'string' && raw !== '') || (typeof raw === 'number' && Number.isFinite(raw)) || typeof raw === 'bigint') {
      return target.kind === 'tag' ? String(raw) : encodeURIComponent(String(raw));
    }
    throw new RevalidationTargetError(
      `action-guard: ${action} has @revalidates ${target.kind}:${target.value}, but its validated input has no usable "${field}" ` +
        `(${describeValue(raw)}; a non-empty string or a number is needed). The body did not run. Fix: make the schema ` +
        `output "${field}", or change the target (README "@revalidates").`,
    );
  });
  if (target.kind === 'tag' && value.length > MAX_TAG_LENGTH) {
    throw new RevalidationTargetError(`action-guard: ${action}: tag "${value.slice(0, 40)}…" is longer than ${MAX_TAG_LENGTH} characters, which Next rejects. The body did not run.`);
  }
  return { ...target, value };
}

/**
 * Calls Next for each target: a path with `revalidatePath` (a route pattern such as `/invoices/[id]` with type
 * `'page'`, as Next requires for dynamic segments), a layout with `revalidatePath(path, 'layout')`, a tag with
 * `updateTag(tag)` on Next 16 (read-your-own-writes), `revalidateTag(tag, profile)` on Next 16 when the target names
 * a profile, and `revalidateTag(tag)` on Next 15 (which has neither updateTag nor profiles).
 */
export function revalidateTargets(cache: NextCacheApi, targets: readonly RevalidateTarget[]): void {
  for (const target of targets) {
    if (target.kind === 'layout') cache.revalidatePath(target.value, 'layout');
    else if (target.kind === 'path') {
      if (target.value.includes('[')) cache.revalidatePath(target.value, 'page');
      else cache.revalidatePath(target.value);
    } else if (cache.updateTag === null) cache.revalidateTag(target.value);
    else if (target.profile === null) cache.updateTag(target.value);
    else cache.revalidateTag(target.value, target.profile);
  }
}

function isRedirect(error: unknown): boolean {
  const digest = (error as { digest?: unknown } | null)?.digest;
  return typeof digest === 'string' && digest.startsWith('NEXT_REDIRECT');
}

/**
 * Runs the body (`run`) and then revalidates the policy's targets, only if it succeeded: it returned something
 * other than a typed failure (`isActionFailure`), or it threw Next's `redirect()` / `permanentRedirect()` (revalidate,
 * then let the redirect continue, as Next documents). A thrown error, `notFound()`/`forbidden()`/`unauthorized()`
 * and a returned failure revalidate nothing; denials never reach here (the guard returns them before the body).
 * Targets are filled in and `next/cache` loaded before the body runs, so a target that cannot be filled fails the
 * call before anything is written. Without targets the body is called as it was, with nothing added on its path.
 */
export function runRevalidating<T>(
  action: string,
  policy: NormalizedPolicy,
  inputs: readonly unknown[],
  run: () => T | Promise<T>,
): T | Promise<T> {
  const targets = policy.revalidates;
  if (targets === undefined || targets.length === 0) return run();
  return runThenRevalidate(action, targets, inputs, run);
}

async function runThenRevalidate<T>(
  action: string,
  targets: readonly RevalidateTarget[],
  inputs: readonly unknown[],
  run: () => T | Promise<T>,
): Promise<T> {
  const input = inputs.length === 0 ? undefined : inputs[inputs.length - 1];
  const filled = targets.map((target) => fillTarget(target, input, action));
  const cache = await loadNextCache();
  let result: T;
  try {
    result = await run();
  } catch (error) {
    if (isRedirect(error)) revalidateTargets(cache, filled);
    throw error;
  }
  if (!isActionFailure(result)) revalidateTargets(cache, filled);
  return result;
}
