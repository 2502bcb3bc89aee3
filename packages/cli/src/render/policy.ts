import { formatRevalidateTarget, type NormalizedPolicy } from '@action-guard/manifest';

/** Formats a duration in seconds the way tags write it (`30s`, `10m`, `24h`, `7d`). */
export function formatSeconds(seconds: number): string {
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

/** The cells of the action table shared by `audit` and `manifest show`. */
export const policyCells = {
  auth: (p: NormalizedPolicy | null) => (p === null ? 'UNGUARDED' : p.auth === 'public' ? `public: ${p.publicReason ?? ''}`.trim() : p.authorize ? `required + ${p.authorize}` : 'required'),
  roles: (p: NormalizedPolicy | null) => (p && p.roles.length ? p.roles.join(', ') : '-'),
  schema: (p: NormalizedPolicy | null) => p?.schema ?? '-',
  dedupe: (p: NormalizedPolicy | null) =>
    p?.dedupe ? `${p.dedupe.source}${p.dedupe.name ? `:${p.dedupe.name}` : ''} ${formatSeconds(p.dedupe.ttlSeconds)}` : '-',
  rateLimit: (p: NormalizedPolicy | null) =>
    p?.rateLimit ? `${p.rateLimit.limit}/${formatSeconds(p.rateLimit.windowSeconds)} by:${p.rateLimit.by}` : '-',
  revalidates: (p: NormalizedPolicy | null) => (p?.revalidates?.length ? p.revalidates.map(formatRevalidateTarget).join(' ') : '-'),
};

/** Whether any of these policies revalidates something (tables show the `revalidates` column only then). */
export function anyRevalidates(policies: readonly (NormalizedPolicy | null)[]): boolean {
  return policies.some((p) => (p?.revalidates?.length ?? 0) > 0);
}
