import { describe, expect, test } from 'vitest';
import { diffManifests } from '../src/diff-manifests.js';
import type { ManifestAction, NormalizedPolicy } from '../src/types.js';
import { action, actionId, manifestOf, policy } from './helpers.js';

const REF = 'app/invoices/actions.ts#pay';
const rate = (limit: number, windowSeconds: number, by: 'user' | 'ip' | 'global' = 'user') => ({ limit, windowSeconds, by });
const dedupe = (ttlSeconds: number, source: 'key' | 'header' | 'input' = 'key', name: string | null = 'idempotencyKey') => ({ source, name, ttlSeconds });

/** Diffs one action before and after, same ref and id unless `after` says otherwise. */
function classify(before: Partial<NormalizedPolicy> | null, after: Partial<NormalizedPolicy> | null, afterOverrides: Partial<ManifestAction> = {}) {
  const old = action(REF, before === null ? { policy: null, guarded: false } : { policy: policy(before) });
  const next = action(REF, { ...(after === null ? { policy: null, guarded: false } : { policy: policy(after) }), ...afterOverrides });
  return diffManifests(manifestOf([old]), manifestOf([next])).changes;
}

const tag = (value: string, profile: string | null = null) => ({ kind: 'tag' as const, value, profile });
const path = (value: string) => ({ kind: 'path' as const, value, profile: null });

describe('diffManifests classifies a policy change of one action', () => {
  test.each<[string, Partial<NormalizedPolicy> | null, Partial<NormalizedPolicy> | null, string, RegExp]>([
    ['auth dropped to @public', {}, { auth: 'public', publicReason: 'marketing form' }, 'weakened', /auth dropped/],
    ['the guard removed entirely', { roles: ['admin'] }, null, 'weakened', /no longer guarded/],
    ['a role list widened', { roles: ['admin'] }, { roles: ['admin', 'editor'] }, 'weakened', /roles widened: admin → admin, editor/],
    ['a role swapped for another', { roles: ['admin'] }, { roles: ['support'] }, 'weakened', /roles widened/],
    ['every role removed', { roles: ['admin'] }, { roles: [] }, 'weakened', /roles removed: admin → any signed-in user/],
    ['an @authorize check removed', { authorize: 'canEditInvoice' }, {}, 'weakened', /@authorize canEditInvoice removed/],
    ['an @authorize check renamed', { authorize: 'canEditInvoice' }, { authorize: 'canViewInvoice' }, 'weakened', /@authorize changed/],
    ['a schema removed', { schema: 'paySchema' }, {}, 'weakened', /schema removed: paySchema/],
    ['a schema swapped', { schema: 'paySchema' }, { schema: 'looseSchema' }, 'weakened', /schema changed/],
    ['idempotency removed', { dedupe: dedupe(86400) }, {}, 'weakened', /@dedupe\) removed/],
    ['a dedupe TTL cut to zero', { dedupe: dedupe(86400) }, { dedupe: dedupe(0) }, 'weakened', /dedupe TTL cut: 86400s → 0s/],
    ['a dedupe source switched from a client key to the input', { dedupe: dedupe(600) }, { dedupe: dedupe(600, 'input', null) }, 'weakened', /dedupe source changed: key:idempotencyKey → input/],
    ['a rate limit removed', { rateLimit: rate(10, 60) }, {}, 'weakened', /rate limit removed/],
    ['a rate limit loosened', { rateLimit: rate(10, 60) }, { rateLimit: rate(100, 60) }, 'weakened', /rate limit loosened/],
    ['a rate limit window shortened', { rateLimit: rate(10, 3600) }, { rateLimit: rate(10, 60) }, 'weakened', /rate limit loosened/],
    ['a rate limit with the same rate but a bigger burst', { rateLimit: rate(10, 60) }, { rateLimit: rate(100, 600) }, 'weakened', /rate limit loosened/],
    ['a rate limit keyed by IP instead of user', { rateLimit: rate(10, 60, 'user') }, { rateLimit: rate(10, 60, 'ip') }, 'weakened', /by:user → by:ip/],
    ['a weakening hidden behind a strengthening', { roles: ['admin'] }, { roles: ['admin', 'editor'], schema: 'paySchema' }, 'weakened', /roles widened/],
    ['@public made to require auth', { auth: 'public', publicReason: 'contact form' }, {}, 'strengthened', /now requires auth/],
    ['an unguarded action now guarded', null, {}, 'strengthened', /now guarded/],
    ['roles required where any user passed', {}, { roles: ['admin'] }, 'strengthened', /roles required: admin/],
    ['a role list narrowed', { roles: ['admin', 'editor'] }, { roles: ['admin'] }, 'strengthened', /roles narrowed/],
    ['a schema added', {}, { schema: 'paySchema' }, 'strengthened', /schema added/],
    // Positional schemas (#14, B6): one per client-supplied parameter, compared position by position.
    ['a bound id losing its schema', { schema: 'InvoiceId, InvoiceState, InvoiceForm' }, { schema: 'InvoiceState, InvoiceForm' }, 'weakened', /schema changed: InvoiceId → InvoiceState, InvoiceState → InvoiceForm/],
    ['the last position dropped from the list', { schema: 'InvoiceId, InvoiceForm' }, { schema: 'InvoiceId' }, 'weakened', /schema coverage lost: argument 2 \(InvoiceForm\)/],
    ['a previous-state schema added in front of the form\'s', { schema: 'InvoiceForm' }, { schema: 'InvoiceState, InvoiceForm' }, 'weakened', /schema changed: InvoiceForm → InvoiceState/],
    ['a schema added for a new last parameter', { schema: 'InvoiceId' }, { schema: 'InvoiceId, InvoiceForm' }, 'strengthened', /schema added: argument 2 \(InvoiceForm\)/],
    ['a rest schema kept while the rest became a plain parameter', { schema: 'InvoiceId, ...Labels' }, { schema: 'InvoiceId, Labels' }, 'weakened', /schema changed: \.\.\.Labels → Labels/],
    ['a rate limit tightened', { rateLimit: rate(100, 60) }, { rateLimit: rate(10, 60) }, 'strengthened', /rate limit tightened/],
    ['a rate limit made global', { rateLimit: rate(10, 60, 'ip') }, { rateLimit: rate(10, 60, 'global') }, 'strengthened', /by:global/],
    ['a dedupe TTL raised', { dedupe: dedupe(60) }, { dedupe: dedupe(3600) }, 'strengthened', /TTL raised/],
    ['a revalidation target removed', { revalidates: [tag('invoices'), path('/invoices')] }, { revalidates: [path('/invoices')] }, 'weakened', /^revalidation removed: tag:invoices$/],
    ['every revalidation target removed (the field is absent)', { revalidates: [tag('invoices')] }, {}, 'weakened', /revalidation removed: tag:invoices/],
    ['a tag given a profile (updateTag → revalidateTag(tag, max))', { revalidates: [tag('posts')] }, { revalidates: [tag('posts', 'max')] }, 'weakened', /revalidation removed: tag:posts$/],
    ['a revalidation target added', {}, { revalidates: [path('/invoices/{invoiceId}')] }, 'strengthened', /revalidation added: path:\/invoices\/\{invoiceId\}/],
  ])('%s is %s', (_label, before, after, expected, reason) => {
    const changes = classify(before, after);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.class).toBe(expected);
    expect(changes[0]!.reasons.join('\n')).toMatch(reason);
  });

  test('an unchanged policy with a new id is id-changed-only', () => {
    const changes = classify({ roles: ['admin'] }, { roles: ['admin'] }, { id: actionId('rotated-key') });
    expect(changes).toEqual([expect.objectContaining({ class: 'id-changed-only', ref: REF })]);
  });

  test('an unchanged policy with the same id is no change at all, even if the action moved lines', () => {
    expect(classify({ roles: ['admin'] }, { roles: ['admin'] }, { location: { line: 40, column: 2 } })).toEqual([]);
  });

  test('keeps what got stronger next to the weakening, for the reviewer', () => {
    const [change] = classify({ roles: ['admin'] }, { roles: ['admin', 'editor'], schema: 'paySchema' });
    expect(change!.strengthenedBy).toEqual(['schema added: paySchema']);
  });
});

describe('diffManifests classifies actions that appear and disappear', () => {
  const kept = action('app/a.ts#kept');

  test.each<[string, ManifestAction, string]>([
    ['a new action that requires auth', action('app/b.ts#create'), 'added'],
    ['a new @public action', action('app/b.ts#subscribe', { policy: policy({ auth: 'public', publicReason: 'newsletter' }) }), 'added-public'],
    ['a new action nothing guards', action('node_modules/lib/actions.js#leak', { policy: null, guarded: false }), 'added-public'],
  ])('%s is %s', (_label, added, expected) => {
    const { changes, counts } = diffManifests(manifestOf([kept]), manifestOf([kept, added]));
    expect(changes).toEqual([expect.objectContaining({ class: expected, ref: added.ref, oldId: null, newId: added.id })]);
    expect(counts[expected as keyof typeof counts]).toBe(1);
  });

  test('a vanished action is removed', () => {
    const gone = action('app/b.ts#old');
    expect(diffManifests(manifestOf([kept, gone]), manifestOf([kept])).changes).toEqual([
      expect.objectContaining({ class: 'removed', ref: 'app/b.ts#old', newId: null }),
    ]);
  });

  test('matches inline actions by their ref, so reordering (new ids) is not an add and a remove', () => {
    const before = [action('app/page.tsx#Page/save', { kind: 'inline', exportName: null, id: actionId('n0') })];
    const after = [action('app/page.tsx#Page/save', { kind: 'inline', exportName: null, id: actionId('n1') })];
    expect(diffManifests(manifestOf(before), manifestOf(after)).changes.map((c) => c.class)).toEqual(['id-changed-only']);
  });

  test('lists the riskiest classes first and counts every class', () => {
    const before = manifestOf([action('app/a.ts#x', { policy: policy({ roles: ['admin'] }) }), action('app/a.ts#gone')]);
    const after = manifestOf([action('app/a.ts#x', { policy: policy({ roles: [] }) }), action('app/z.ts#pub', { policy: policy({ auth: 'public', publicReason: 'r' }) })]);
    const { changes, counts } = diffManifests(before, after);
    expect(changes.map((c) => c.class)).toEqual(['added-public', 'weakened', 'removed']);
    expect(counts).toEqual({ 'added-public': 1, weakened: 1, added: 0, removed: 1, strengthened: 0, 'id-changed-only': 0 });
  });
});
