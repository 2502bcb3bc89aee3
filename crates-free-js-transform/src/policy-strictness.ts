/**
 * How two rate limits compare, the one comparison both the build (a tag may not loosen a directory rule,
 * validate/resolve-policy.ts) and `manifest diff` (a looser limit is a weakened policy,
 * packages/manifest/src/diff-manifests.ts) use, so the two never disagree. Pure, no dependencies: it is exported
 * from `@action-guard/transform/checks`, which the manifest package imports.
 */

/** A rate limit as a policy holds it. */
export interface RateLimitShape {
  /** Calls allowed per window. */
  readonly limit: number;
  /** Window length in seconds. */
  readonly windowSeconds: number;
  /** Who shares one bucket. */
  readonly by: 'user' | 'ip' | 'global';
}

/** What changed from `before` to `after`. */
export interface RateLimitChange {
  /** More calls fit in the long run (a higher rate) or in one burst (a higher limit). */
  looser: boolean;
  /** Not looser, and fewer calls fit in the long run or in one burst. */
  tighter: boolean;
  /**
   * The bucket key: one global bucket is the strictest; per-user and per-IP buckets cannot be compared (each lets
   * some caller make more calls than the other), so a switch between them counts as looser.
   */
  scope: 'same' | 'stricter' | 'looser';
}

/** Compares two rate limits by rate (limit per window, without division), by burst (limit) and by scope. */
export function compareRateLimits(before: RateLimitShape, after: RateLimitShape): RateLimitChange {
  const rateUp = after.limit * before.windowSeconds > before.limit * after.windowSeconds;
  const rateDown = after.limit * before.windowSeconds < before.limit * after.windowSeconds;
  const looser = rateUp || after.limit > before.limit;
  const tighter = !looser && (rateDown || after.limit < before.limit);
  const scope = before.by === after.by ? 'same' : after.by === 'global' ? 'stricter' : 'looser';
  return { looser, tighter, scope };
}
