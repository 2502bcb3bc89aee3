import { formatDedupe, formatRateLimit, formatRevalidateTarget, type NormalizedPolicy } from '@action-guard/contracts';

/** The cells of the action table shared by `audit` and `manifest show`. */
export const policyCells = {
  auth: (p: NormalizedPolicy | null) => (p === null ? 'UNGUARDED' : p.auth === 'public' ? `public: ${p.publicReason ?? ''}`.trim() : p.authorize ? `required + ${p.authorize}` : 'required'),
  roles: (p: NormalizedPolicy | null) => (p && p.roles.length ? p.roles.join(', ') : '-'),
  schema: (p: NormalizedPolicy | null) => p?.schema ?? '-',
  // The tags' own spelling (@action-guard/contracts), so a table cell can be pasted back into a tag.
  dedupe: (p: NormalizedPolicy | null) => (p?.dedupe ? formatDedupe(p.dedupe) : '-'),
  rateLimit: (p: NormalizedPolicy | null) => (p?.rateLimit ? formatRateLimit(p.rateLimit) : '-'),
  revalidates: (p: NormalizedPolicy | null) => (p?.revalidates?.length ? p.revalidates.map(formatRevalidateTarget).join(' ') : '-'),
};

/** Whether any of these policies revalidates something (tables show the `revalidates` column only then). */
export function anyRevalidates(policies: readonly (NormalizedPolicy | null)[]): boolean {
  return policies.some((p) => (p?.revalidates?.length ?? 0) > 0);
}
