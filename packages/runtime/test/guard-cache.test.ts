/**
 * `guardCache`, from the attacker's side. With cacheComponents on, Next registers every "use cache" function as a
 * server reference: anyone with its ID can POST a Next-Action request and choose the arguments. Before this guard
 * the generated code called the body with whatever arrived; now the body runs only with values its schemas accepted,
 * and the guard touches nothing of the request (no session, headers, client address or store).
 */
import { describe, expect, test, vi } from 'vitest';
import { z } from 'zod';
import { CacheGuardError, defineRuntime, isCacheGuardError, memoryStore } from '../src/index.js';
import { guardCache, type ActionMeta } from '../src/internal.js';
import { meta } from './helpers.js';

const ProductId = z.coerce.number().int().positive();
const Locale = z.enum(['en', 'de']);

/** The metadata the transform emits for `/** @public … @schema ProductId, Locale *\/ async function load(id, locale)`. */
function cacheMeta(overrides: Parameters<typeof meta>[0] = {}): ActionMeta {
  return {
    ...meta({ ref: 'app/products/page.tsx#Page/load', schemas: [ProductId, Locale], policy: { auth: 'public', publicReason: 'Catalogue data.' }, ...overrides }),
    kind: 'cache',
  };
}

async function refusal(promise: Promise<unknown>): Promise<CacheGuardError> {
  const error = await promise.then(() => null, (thrown: unknown) => thrown);
  expect(isCacheGuardError(error)).toBe(true);
  return error as CacheGuardError;
}

describe('guardCache: a "use cache" function called by ID with arguments of the caller\'s choice', () => {
  test('bytes that fail the schema never reach the body: a typed INVALID_INPUT is thrown (not returned, so it is not cached)', async () => {
    const body = vi.fn(async (id: unknown, locale: unknown) => ({ id, locale }));
    for (const args of [
      ["1 UNION SELECT password FROM users", 'en'],
      [1.5, 'en'],
      [{ id: 1 }, 'en'],
      [7, '../../etc/passwd'],
      [7, 'en', 'an extra argument no parameter declares'],
      [],
    ] as unknown[][]) {
      const error = await refusal(guardCache(cacheMeta(), args as [unknown, unknown], body));
      expect(error).toBeInstanceOf(CacheGuardError);
      expect(error.code).toBe('INVALID_INPUT');
      expect(error.digest).toBe('ACTION_GUARD_INVALID_INPUT');
      expect(error.ref).toBe('app/products/page.tsx#Page/load');
      // The fixed message and no frames: nothing of the server's code or the input leaks.
      expect(error.message).toBe('Some of the submitted values are not valid.');
      expect(error.stack).toBe('CacheGuardError: Some of the submitted values are not valid.');
    }
    expect(body).not.toHaveBeenCalled();
  });

  test('errors name the argument position, as the action guard does', async () => {
    const error = await refusal(guardCache(cacheMeta(), [-3, 'fr'], async () => 'ran'));
    expect(Object.keys(error.fieldErrors).sort()).toEqual(['0', '1']);
  });

  test('the body receives the validated values, not the bytes that were sent', async () => {
    const body = vi.fn(async (id: unknown, locale: unknown) => ({ id, locale }));
    await expect(guardCache(cacheMeta(), ['42', 'de'], body)).resolves.toEqual({ id: 42, locale: 'de' });
    expect(body).toHaveBeenCalledWith(42, 'de');
  });

  test('a FormData argument reaches the body holding only the fields its schema kept; a polluting key is refused', async () => {
    const Search = z.object({ q: z.string().max(20) });
    const form = new FormData();
    form.append('q', 'shoes');
    form.append('admin', 'true');
    const body = vi.fn(async (data: FormData) => [...data.keys()]);
    await expect(guardCache(cacheMeta({ schemas: [Search] }), [form], body)).resolves.toEqual(['q']);
    const polluted = new FormData();
    polluted.append('__proto__', 'x');
    expect((await refusal(guardCache(cacheMeta({ schemas: [Search] }), [polluted], body))).code).toBe('INVALID_INPUT');
    expect(body).toHaveBeenCalledTimes(1);
  });

  test('without schemas (no parameters) any argument is refused', async () => {
    const body = vi.fn(async () => 'ran');
    await expect(guardCache(cacheMeta({ schemas: undefined, schema: undefined }), [], body)).resolves.toBe('ran');
    expect((await refusal(guardCache(cacheMeta({ schemas: undefined, schema: undefined }), ['smuggled'] as unknown as [], body))).code).toBe('INVALID_INPUT');
    expect(body).toHaveBeenCalledTimes(1);
  });

  test('metadata asking for auth, roles, authorize, dedupe or a rate limit fails closed with FORBIDDEN (the build check was turned off)', async () => {
    const body = vi.fn(async () => 'ran');
    for (const policy of [
      { auth: 'required' as const, publicReason: null },
      { roles: ['admin'] },
      { rateLimit: { limit: 1, windowSeconds: 60, by: 'ip' as const } },
      { dedupe: { source: 'input' as const, name: null, ttlSeconds: 60 } },
    ]) {
      const error = await refusal(guardCache(cacheMeta({ policy: { auth: 'public', publicReason: 'x', ...policy } }), [1, 'en'], body));
      expect(error.code).toBe('FORBIDDEN');
      expect(error.digest).toBe('ACTION_GUARD_FORBIDDEN');
    }
    expect(body).not.toHaveBeenCalled();
  });

  test('the runtime object delegates to it and never asks for the session, headers or a store', async () => {
    const session = vi.fn(() => ({ id: 'u' }));
    const headers = vi.fn(() => new Headers());
    const store = memoryStore();
    const spies = [vi.spyOn(store, 'rateLimit'), vi.spyOn(store, 'claim')];
    const runtime = defineRuntime({ session, headers, store, tracing: false });
    await expect(runtime.guardCache(cacheMeta(), ['5', 'en'], async (id, locale) => `${id}/${locale}`)).resolves.toBe('5/en');
    await expect(runtime.guardCache(cacheMeta(), ['x', 'en'], async () => 'ran')).rejects.toBeInstanceOf(CacheGuardError);
    expect(session).not.toHaveBeenCalled();
    expect(headers).not.toHaveBeenCalled();
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });
});
