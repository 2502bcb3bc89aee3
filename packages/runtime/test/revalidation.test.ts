import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { notFound, redirect } from 'next/navigation.js';
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { z } from 'zod';
import { createFailure, defineRuntime, isActionFailure, memoryStore, type ActionFailure, type Session } from '../src/index.js';
import { type RevalidateTarget } from '../src/internal.js';
import { toNextCacheApi, type NextCacheApi } from '../src/next-interop.js';
import { fillTarget, RevalidationTargetError } from '../src/revalidation.js';
import { meta as actionMeta } from './helpers.js';

// What Next's cache functions were called with, in order, for the Next version a test chooses.
const calls: string[] = [];
let nextVersion: 15 | 16 = 16;
function fakeCache(): NextCacheApi {
  return {
    revalidatePath: (path, type) => void calls.push(`revalidatePath(${path}${type === undefined ? '' : `, ${type}`})`),
    revalidateTag: (...args: unknown[]) => void calls.push(`revalidateTag(${args.join(', ')})`),
    updateTag: nextVersion === 16 ? (tag) => void calls.push(`updateTag(${tag})`) : null,
  };
}
vi.mock('../src/next-interop.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../src/next-interop.js')>()),
  loadNextCache: async () => fakeCache(),
}));

const alice: Session = { id: 'user-alice' };
const runtime = (session: Session | null = alice) =>
  defineRuntime({ session: () => session, headers: () => new Headers(), tracing: false, store: memoryStore() });
const targets = (...written: [RevalidateTarget['kind'], string, string?][]): RevalidateTarget[] =>
  written.map(([kind, value, profile]) => ({ kind, value, profile: profile ?? null }));
const Input = z.object({ invoiceId: z.string(), customerId: z.string().optional() });

beforeEach(() => {
  calls.length = 0;
  nextVersion = 16;
});

describe('@revalidates after a successful body', () => {
  const every = targets(['layout', '/dashboard'], ['path', '/invoices'], ['path', '/invoices/[id]'], ['tag', 'invoices'], ['tag', 'posts', 'max']);

  test('Next 16: paths with revalidatePath (a route pattern with type page), layouts with type layout, tags with updateTag unless a profile is named', async () => {
    const result = await runtime().guard(actionMeta({ policy: { revalidates: every } }), [], async () => {
      calls.push('body');
      return 'saved';
    });
    expect(result).toBe('saved');
    expect(calls).toEqual([
      'body',
      'revalidatePath(/dashboard, layout)',
      'revalidatePath(/invoices)',
      'revalidatePath(/invoices/[id], page)',
      'updateTag(invoices)',
      'revalidateTag(posts, max)',
    ]);
  });

  test('Next 15 (no updateTag): every tag with revalidateTag(tag) alone', async () => {
    nextVersion = 15;
    await runtime().guard(actionMeta({ policy: { revalidates: targets(['tag', 'invoices'], ['tag', 'posts', 'max']) } }), [], async () => 'saved');
    expect(calls).toEqual(['revalidateTag(invoices)', 'revalidateTag(posts)']);
  });

  test('fills {field} from the validated input: URL-encoded in a path, as it is in a tag', async () => {
    const result = await runtime().guard(
      actionMeta({ schema: Input, policy: { revalidates: targets(['path', '/invoices/{invoiceId}'], ['tag', 'invoice:{invoiceId}']) } }),
      [{ invoiceId: 'a/b 1', extra: 'dropped' }],
      async (input: unknown) => (input as { invoiceId: string }).invoiceId,
    );
    expect(result).toBe('a/b 1');
    expect(calls).toEqual(['revalidatePath(/invoices/a%2Fb%201)', 'updateTag(invoice:a/b 1)']);
  });

  test('reads the last argument\'s validated value (where a form\'s fields arrive), also from FormData', async () => {
    const form = new FormData();
    form.set('invoiceId', '42');
    await runtime().guard(
      actionMeta({ schemas: [z.string(), Input], policy: { revalidates: targets(['tag', 'invoice:{invoiceId}']) } }),
      ['bound', form],
      async () => 'ok',
    );
    expect(calls).toEqual(['updateTag(invoice:42)']);
  });

  test('redirect() from the body counts as success: revalidate first, then the redirect goes on', async () => {
    const outcome = await runtime()
      .guard(actionMeta({ policy: { revalidates: targets(['tag', 'invoices']) } }), [], async () => {
        calls.push('body');
        redirect('/invoices');
      })
      .catch((error: unknown) => error);
    expect((outcome as { digest?: string }).digest).toMatch(/^NEXT_REDIRECT;/);
    expect(calls).toEqual(['body', 'updateTag(invoices)']);
  });

  test('with @dedupe: the first run revalidates, a replay of its stored result does not run the body or revalidate again', async () => {
    const guarded = runtime();
    const action = actionMeta({ schema: z.object({ key: z.string() }), policy: { dedupe: { source: 'key', name: 'key', ttlSeconds: 60 }, revalidates: targets(['tag', 'invoices']) } });
    expect(await guarded.guard(action, [{ key: 'k-1' }], async () => 'first')).toBe('first');
    expect(await guarded.guard(action, [{ key: 'k-1' }], async () => 'second')).toBe('first');
    expect(calls).toEqual(['updateTag(invoices)']);
  });
});

describe('@revalidates never after a failure', () => {
  const revalidates = targets(['path', '/invoices'], ['tag', 'invoices']);

  test('a typed failure returned by the body', async () => {
    const result = await runtime().guard(actionMeta({ policy: { revalidates } }), [], async () => createFailure('FORBIDDEN'));
    expect(isActionFailure(result)).toBe(true);
    expect(calls).toEqual([]);
  });

  test('an error thrown by the body', async () => {
    const result = await runtime().guard(actionMeta({ policy: { revalidates } }), [], async () => {
      throw new Error('database down');
    });
    expect((result as ActionFailure).error.code).toBe('INTERNAL_ERROR');
    expect(calls).toEqual([]);
  });

  test('notFound() thrown by the body (it passes through, nothing is revalidated)', async () => {
    const outcome = await runtime()
      .guard(actionMeta({ policy: { revalidates } }), [], async () => notFound())
      .catch((error: unknown) => error);
    expect((outcome as { digest?: string }).digest).toMatch(/^NEXT_HTTP_ERROR_FALLBACK;404/);
    expect(calls).toEqual([]);
  });

  test('a guard denial: unauthenticated, invalid input', async () => {
    const body = vi.fn(async () => 'saved');
    expect(((await runtime(null).guard(actionMeta({ policy: { revalidates } }), [], body)) as ActionFailure).error.code).toBe('UNAUTHENTICATED');
    const invalid = await runtime().guard(actionMeta({ schema: Input, policy: { revalidates } }), [{ invoiceId: 7 }], body);
    expect((invalid as ActionFailure).error.code).toBe('INVALID_INPUT');
    expect(body).not.toHaveBeenCalled();
    expect(calls).toEqual([]);
  });

  test('a {field} the validated input does not have fails the call before the body runs, and onError says why', async () => {
    const errors: unknown[] = [];
    const guarded = defineRuntime({ session: () => alice, headers: () => new Headers(), tracing: false, onError: (error) => errors.push(error) });
    const body = vi.fn(async () => 'saved');
    const result = await guarded.guard(actionMeta({ schema: Input, policy: { revalidates: targets(['tag', 'customer:{customerId}']) } }), [{ invoiceId: '1' }], body);
    expect((result as ActionFailure).error.code).toBe('INTERNAL_ERROR');
    expect(body).not.toHaveBeenCalled();
    expect(calls).toEqual([]);
    expect(errors[0]).toBeInstanceOf(RevalidationTargetError);
    expect((errors[0] as Error).message).toMatch(/@revalidates tag:customer:\{customerId\}.*"customerId" \(no such field;.*The body did not run/);
  });
});

describe('fillTarget', () => {
  test('takes non-empty strings and finite numbers; refuses empty strings, objects, null and inherited properties', () => {
    const tag: RevalidateTarget = { kind: 'tag', value: 'i:{id}', profile: null };
    expect(fillTarget(tag, { id: 7 }, 'a').value).toBe('i:7');
    expect(fillTarget(tag, { id: 'x' }, 'a').value).toBe('i:x');
    for (const input of [{ id: '' }, { id: { nested: 1 } }, { id: null }, Object.create({ id: 'inherited' }), 'id', undefined]) {
      expect(() => fillTarget(tag, input, 'a')).toThrow(RevalidationTargetError);
    }
  });

  test('leaves a target without placeholders as it is', () => {
    const path: RevalidateTarget = { kind: 'path', value: '/invoices/[id]', profile: null };
    expect(fillTarget(path, undefined, 'a')).toBe(path);
  });
});

describe('toNextCacheApi on the installed Next versions', () => {
  const require = createRequire(new URL('.', import.meta.url));
  const nextCacheOf = (version: string) => {
    const root = require.resolve('next/package.json').replace(/node_modules\/\.pnpm\/next@[^/]+\/.*$/, '');
    const entry = readdirSync(`${root}node_modules/.pnpm`).find((name: string) => name.startsWith(`next@${version}`));
    return require(`${root}node_modules/.pnpm/${entry}/node_modules/next/cache.js`);
  };

  test('Next 16 has updateTag; Next 15.5 does not, which is how the runtime picks revalidateTag(tag)', () => {
    expect(toNextCacheApi(nextCacheOf('16.')).updateTag).toBeTypeOf('function');
    expect(toNextCacheApi(nextCacheOf('15.5.')).updateTag).toBeNull();
  });

  test('refuses a module without revalidatePath and revalidateTag', () => {
    expect(() => toNextCacheApi({ default: {} })).toThrow(/@revalidates needs Next 15 or later/);
  });
});
