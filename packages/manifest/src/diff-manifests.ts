import { compareRateLimits, formatRateLimit, formatRevalidateTarget } from '@action-guard/contracts';
import type { ActionManifest, ManifestAction, NormalizedPolicy } from './types.js';

export { formatRevalidateTarget };

/** The class of one change between two manifests (docs/reference.md §6). */
export type ChangeClass = 'added' | 'added-public' | 'removed' | 'weakened' | 'strengthened' | 'id-changed-only';

/** Every class, in the order reports list them. */
export const CHANGE_CLASSES: readonly ChangeClass[] = ['added-public', 'weakened', 'added', 'removed', 'strengthened', 'id-changed-only'];

/** One classified change of one action, matched across manifests by `ref`. */
export interface ManifestChange {
  class: ChangeClass;
  ref: string;
  file: string;
  oldId: string | null;
  newId: string | null;
  /** Human-readable reasons, e.g. `roles widened: admin → admin, editor`. */
  reasons: string[];
  /** Reasons that made the policy stricter, kept even when the change as a whole is `weakened`. */
  strengthenedBy: string[];
}

/** The result of `diffManifests`. */
export interface ManifestDiff {
  changes: ManifestChange[];
  counts: Record<ChangeClass, number>;
}

const list = (items: readonly string[]) => (items.length ? items.join(', ') : '(any signed-in user)');
const ttl = (s: number) => `${s}s`;

/** The positional schemas of a policy's `schema` field (`A, ...B` → `A`, `...B`); none for null. */
function schemaList(schema: string | null): string[] {
  return schema === null || schema === '' ? [] : schema.split(',').map((name) => name.trim());
}

/** What policy an entry effectively has; an unguarded action is treated as having none. */
function effective(action: ManifestAction): NormalizedPolicy | null {
  return action.guarded ? action.policy : null;
}

function describePublic(action: ManifestAction): boolean {
  const policy = effective(action);
  return policy === null || policy.auth === 'public';
}

/**
 * Compares two policies of the same action and returns what got weaker and what got stronger. Whatever cannot be
 * proven at least as strict counts as weaker (a renamed schema or authorize function, a changed dedupe source).
 */
export function comparePolicies(before: NormalizedPolicy | null, after: NormalizedPolicy | null): { weaker: string[]; stronger: string[] } {
  const weaker: string[] = [];
  const stronger: string[] = [];
  if (before === null && after === null) return { weaker, stronger };
  if (before === null) return { weaker, stronger: ['now guarded'] };
  if (after === null) return { weaker: ['no longer guarded'], stronger };

  if (before.auth === 'required' && after.auth === 'public') weaker.push('auth dropped: now @public');
  if (before.auth === 'public' && after.auth === 'required') stronger.push('now requires auth');

  if (before.auth === 'required' && after.auth === 'required') {
    const added = after.roles.filter((r) => !before.roles.includes(r));
    const removed = before.roles.filter((r) => !after.roles.includes(r));
    // "At least one of these roles": an extra role lets more people in; dropping every role lets in any user.
    if (before.roles.length > 0 && after.roles.length === 0) weaker.push(`roles removed: ${list(before.roles)} → any signed-in user`);
    else if (before.roles.length === 0 && after.roles.length > 0) stronger.push(`roles required: ${list(after.roles)}`);
    else {
      if (added.length) weaker.push(`roles widened: ${list(before.roles)} → ${list(after.roles)}`);
      if (removed.length && !added.length) stronger.push(`roles narrowed: ${list(before.roles)} → ${list(after.roles)}`);
    }
    if (before.authorize && !after.authorize) weaker.push(`@authorize ${before.authorize} removed`);
    else if (!before.authorize && after.authorize) stronger.push(`@authorize ${after.authorize} added`);
    else if (before.authorize && after.authorize && before.authorize !== after.authorize) {
      weaker.push(`@authorize changed: ${before.authorize} → ${after.authorize} (review: cannot prove it is as strict)`);
    }
  }

  // `schema` lists one schema per client-supplied parameter (`IdSchema, StateSchema, FormSchema`; a rest
  // parameter's as `...ItemsSchema`). Coverage is compared position by position: a position that lost its schema
  // or got another one is weaker; a new position with a schema is stronger.
  const beforeSchemas = schemaList(before.schema);
  const afterSchemas = schemaList(after.schema);
  if (beforeSchemas.length > 0 && afterSchemas.length === 0) weaker.push(`schema removed: ${before.schema}`);
  else if (beforeSchemas.length === 0 && afterSchemas.length > 0) stronger.push(`schema added: ${after.schema}`);
  else if (before.schema !== after.schema) {
    const positions = Math.max(beforeSchemas.length, afterSchemas.length);
    const changed: string[] = [];
    for (let index = 0; index < positions; index++) {
      const was = beforeSchemas[index];
      const now = afterSchemas[index];
      if (was !== undefined && now === undefined) weaker.push(`schema coverage lost: argument ${index + 1} (${was}) no longer validated: ${before.schema} → ${after.schema}`);
      else if (was === undefined && now !== undefined) stronger.push(`schema added: argument ${index + 1} (${now})`);
      else if (was !== now) changed.push(`${was} → ${now}`);
    }
    if (changed.length > 0) weaker.push(`schema changed: ${changed.join(', ')} (review: cannot prove it is as strict)`);
  }

  const bd = before.dedupe;
  const ad = after.dedupe;
  if (bd && !ad) weaker.push('idempotency (@dedupe) removed');
  else if (!bd && ad) stronger.push('idempotency (@dedupe) added');
  else if (bd && ad) {
    if (bd.source !== ad.source || bd.name !== ad.name) {
      weaker.push(`dedupe source changed: ${bd.source}${bd.name ? `:${bd.name}` : ''} → ${ad.source}${ad.name ? `:${ad.name}` : ''}`);
    }
    if (ad.ttlSeconds < bd.ttlSeconds) weaker.push(`dedupe TTL cut: ${ttl(bd.ttlSeconds)} → ${ttl(ad.ttlSeconds)}`);
    else if (ad.ttlSeconds > bd.ttlSeconds) stronger.push(`dedupe TTL raised: ${ttl(bd.ttlSeconds)} → ${ttl(ad.ttlSeconds)}`);
  }

  const br = before.rateLimit;
  const ar = after.rateLimit;
  if (br && !ar) weaker.push(`rate limit removed: ${formatRateLimit(br)}`);
  else if (!br && ar) stronger.push(`rate limit added: ${formatRateLimit(ar)}`);
  else if (br && ar) {
    // The comparison the build uses when a tag meets a directory rule, so the two never disagree.
    const change = compareRateLimits(br, ar);
    if (change.looser) weaker.push(`rate limit loosened: ${formatRateLimit(br)} → ${formatRateLimit(ar)}`);
    else if (change.tighter) stronger.push(`rate limit tightened: ${formatRateLimit(br)} → ${formatRateLimit(ar)}`);
    if (change.scope === 'stricter') stronger.push(`rate limit key: by:${br.by} → by:global`);
    else if (change.scope === 'looser') weaker.push(`rate limit key changed: by:${br.by} → by:${ar.by}`);
  }
  // Revalidation targets compare as a set: a target no longer revalidated can leave stale data behind (weaker); a
  // new one is stronger. A changed profile or placeholder is one removed and one added.
  const beforeTargets = (before.revalidates ?? []).map(formatRevalidateTarget);
  const afterTargets = (after.revalidates ?? []).map(formatRevalidateTarget);
  const droppedTargets = beforeTargets.filter((target) => !afterTargets.includes(target));
  const addedTargets = afterTargets.filter((target) => !beforeTargets.includes(target));
  if (droppedTargets.length) weaker.push(`revalidation removed: ${droppedTargets.join(', ')}`);
  if (addedTargets.length) stronger.push(`revalidation added: ${addedTargets.join(', ')}`);
  return { weaker, stronger };
}

/**
 * Classifies every change between two manifests, matching actions by `ref` (ids change with the key and, under
 * webpack, with the checkout path). An action that got both weaker and stronger is `weakened`.
 */
export function diffManifests(before: Pick<ActionManifest, 'actions'>, after: Pick<ActionManifest, 'actions'>): ManifestDiff {
  const oldByRef = new Map(before.actions.map((a) => [a.ref, a]));
  const newByRef = new Map(after.actions.map((a) => [a.ref, a]));
  const changes: ManifestChange[] = [];

  for (const [ref, next] of newByRef) {
    const previous = oldByRef.get(ref);
    if (!previous) {
      const isPublic = describePublic(next);
      changes.push({
        class: isPublic ? 'added-public' : 'added',
        ref,
        file: next.file,
        oldId: null,
        newId: next.id,
        reasons: [
          isPublic ? (next.guarded ? `new @public action: ${next.policy?.publicReason ?? ''}`.trim() : 'new action with no guard') : 'new action',
          ...(next.baselined?.length ? [`baselined: ${next.baselined.join(', ')}`] : []),
        ],
        strengthenedBy: [],
      });
      continue;
    }
    const { weaker, stronger } = comparePolicies(effective(previous), effective(next));
    // Entering the baseline accepts a finding the build would fail on; leaving it means the finding was fixed.
    const wasBaselined = previous.baselined ?? [];
    const isBaselined = next.baselined ?? [];
    const entered = isBaselined.filter((check) => !wasBaselined.includes(check));
    const left = wasBaselined.filter((check) => !isBaselined.includes(check));
    if (entered.length) weaker.push(`baselined: ${entered.join(', ')} (accepted in action-guard.baseline.json)`);
    if (left.length) stronger.push(`no longer baselined: ${left.join(', ')}`);
    const base = { ref, file: next.file, oldId: previous.id, newId: next.id };
    if (weaker.length) changes.push({ ...base, class: 'weakened', reasons: weaker, strengthenedBy: stronger });
    else if (stronger.length) changes.push({ ...base, class: 'strengthened', reasons: stronger, strengthenedBy: stronger });
    else if (previous.id !== next.id) {
      changes.push({ ...base, class: 'id-changed-only', reasons: [`id ${previous.id} → ${next.id}`], strengthenedBy: [] });
    }
  }
  for (const [ref, previous] of oldByRef) {
    if (!newByRef.has(ref)) {
      changes.push({ class: 'removed', ref, file: previous.file, oldId: previous.id, newId: null, reasons: ['action removed'], strengthenedBy: [] });
    }
  }

  const order = (c: ChangeClass) => CHANGE_CLASSES.indexOf(c);
  changes.sort((a, b) => order(a.class) - order(b.class) || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
  const counts = Object.fromEntries(CHANGE_CLASSES.map((c) => [c, 0])) as Record<ChangeClass, number>;
  for (const change of changes) counts[change.class]++;
  return { changes, counts };
}
