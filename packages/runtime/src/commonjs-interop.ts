/**
 * Returns a module's exports that hold `member`, whether the bundler handed them over as an ES namespace or, for a
 * CommonJS module imported from strict ESM, only under `default`. webpack does the latter with Next's compiled copy
 * of `@opentelemetry/api`, which it substitutes when the app has not installed the package. Null when neither has it.
 */
export function exportsWith<M extends string>(moduleNamespace: unknown, member: M): Record<M, unknown> | null {
  for (const candidate of [moduleNamespace, (moduleNamespace as { default?: unknown } | null)?.default]) {
    if (typeof candidate === 'object' && candidate !== null && member in candidate) return candidate as Record<M, unknown>;
  }
  return null;
}
