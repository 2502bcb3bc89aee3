import { notFound, redirect } from 'next/navigation.js';
import * as v from 'valibot';
import { describe, expect, test, vi } from 'vitest';
import { z } from 'zod';
import {
  defineRuntime,
  getActionSession,
  getValidatedInput,
  isActionFailure,
  memoryStore,
  type ActionFailure,
  type Session,
} from '../src/index.js';
import { actionHeaders, eventLog, meta } from './helpers.js';

const alice: Session = { id: 'user-alice', roles: ['editor'] };
const noHeaders = () => new Headers();

function runtimeFor(session: Session | null, extra: Partial<Parameters<typeof defineRuntime>[0]> = {}) {
  return defineRuntime({ session: () => session, headers: noHeaders, tracing: false, ...extra });
}

function failureOf(result: unknown): ActionFailure['error'] {
  expect(isActionFailure(result)).toBe(true);
  return (result as ActionFailure).error;
}

describe('authentication and roles', () => {
  test('denies a caller without a session and never runs the body', async () => {
    const body = vi.fn(async () => 'done');
    const result = await runtimeFor(null).guard(meta(), [], body);
    expect(failureOf(result).code).toBe('UNAUTHENTICATED');
    expect(body).not.toHaveBeenCalled();
  });

  test('runs the body of a public action for an anonymous caller', async () => {
    const result = await runtimeFor(null).guard(meta({ policy: { auth: 'public', publicReason: 'landing page' } }), [], async () => 'done');
    expect(result).toBe('done');
  });

  test('denies a caller without one of the roles and never runs the body', async () => {
    const body = vi.fn(async () => 'done');
    const result = await runtimeFor(alice).guard(meta({ policy: { roles: ['admin', 'owner'] } }), [], body);
    expect(failureOf(result).code).toBe('FORBIDDEN');
    expect(body).not.toHaveBeenCalled();
  });

  test('admits a caller holding any one of the roles', async () => {
    const result = await runtimeFor(alice).guard(meta({ policy: { roles: ['admin', 'editor'] } }), [], async () => 'done');
    expect(result).toBe('done');
  });

  test('hands the body the session it resolved through getActionSession()', async () => {
    const result = await runtimeFor(alice).guard(meta(), [], async () => getActionSession()?.id);
    expect(result).toBe('user-alice');
  });

  test('turns a session() that returns something without an id into INTERNAL_ERROR', async () => {
    const runtime = defineRuntime({ session: () => ({ id: '' }), headers: noHeaders, tracing: false });
    expect(failureOf(await runtime.guard(meta(), [], async () => 'done')).code).toBe('INTERNAL_ERROR');
  });
});

describe('input extraction and validation', () => {
  const postSchema = z.object({
    title: z.string().min(3, 'Title is too short'),
    tags: z.array(z.string()).default([]),
    qty: z.coerce.number().int(),
  });

  test('validates a FormData as an object with repeated keys as arrays and hands the body the parsed value', async () => {
    const form = new FormData();
    form.append('title', 'Hello');
    form.append('tags', 'a');
    form.append('tags', 'b');
    form.append('qty', '3');
    form.append('$ACTION_ID_abc', '');
    const result = await runtimeFor(alice).guard(meta({ schema: postSchema }), [form], async () => getValidatedInput(postSchema));
    expect(result).toEqual({ title: 'Hello', tags: ['a', 'b'], qty: 3 });
  });

  test("validates useActionState's (prevState, formData) position by position and hands the body the validated values", async () => {
    const state = z.object({ previous: z.boolean() });
    const form = new FormData();
    form.append('title', 'Hello');
    form.append('qty', '1');
    const result = await runtimeFor(alice).guard(meta({ schemas: [state, postSchema] }), [{ previous: true, extra: 1 }, form], async (prev, data) => ({
      prev,
      fields: [...(data as FormData).keys()],
      input: getValidatedInput(postSchema),
      state: getValidatedInput(state),
    }));
    expect(result).toEqual({ prev: { previous: true }, fields: ['title', 'qty'], input: { title: 'Hello', tags: [], qty: 1 }, state: { previous: true } });
  });

  test('validates bound arguments and the FormData after them, each by its own schema', async () => {
    const id = z.string().regex(/^invoice-\d+$/);
    const schema = z.object({ note: z.string() });
    const form = new FormData();
    form.append('note', 'hi');
    const result = await runtimeFor(alice).guard(meta({ schemas: [id, schema] }), ['invoice-7', form], async (bound, data) => `${String(bound)}:${String((data as FormData).get('note'))}:${getValidatedInput(schema).note}`);
    expect(result).toBe('invoice-7:hi:hi');
  });

  test('validates a single plain argument as itself, and each of several plain arguments by its own schema', async () => {
    const single = z.object({ id: z.string() });
    expect(await runtimeFor(alice).guard(meta({ schema: single }), [{ id: 'x' }], async () => getValidatedInput(single))).toEqual({ id: 'x' });
    const name = z.string().trim();
    const count = z.coerce.number();
    expect(await runtimeFor(alice).guard(meta({ schemas: [name, count] }), [' a ', '2'], async (a, b) => [a, b])).toEqual(['a', 2]);
  });

  test('keeps a File as a File', async () => {
    const schema = z.object({ avatar: z.instanceof(File) });
    const form = new FormData();
    form.append('avatar', new File(['bytes'], 'me.png', { type: 'image/png' }));
    const result = await runtimeFor(alice).guard(meta({ schema }), [form], async () => getValidatedInput(schema).avatar.name);
    expect(result).toBe('me.png');
  });

  test.each(['__proto__', 'constructor', 'prototype'])('rejects a FormData carrying a %s field as INVALID_INPUT', async (field) => {
    const form = new FormData();
    form.append(field, 'x');
    const body = vi.fn();
    const error = failureOf(await runtimeFor(alice).guard(meta({ schema: z.object({}) }), [form], body));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.formErrors).toEqual([`Field "${field}" is not allowed.`]);
    expect(body).not.toHaveBeenCalled();
  });

  test('returns zod issues as fieldErrors by path and formErrors for the whole input, and never runs the body', async () => {
    const schema = z
      .object({ title: z.string().min(3, 'Title is too short'), items: z.array(z.object({ qty: z.number().positive('Must be positive') })) })
      .refine((value) => value.items.length > 0 || value.title !== 'nothing', { message: 'Add an item' });
    const body = vi.fn();
    const error = failureOf(await runtimeFor(alice).guard(meta({ schema }), [{ title: 'ab', items: [{ qty: -1 }] }], body));
    expect(error).toMatchObject({ code: 'INVALID_INPUT', fieldErrors: { title: ['Title is too short'], 'items.0.qty': ['Must be positive'] } });
    expect(body).not.toHaveBeenCalled();
    const formLevel = failureOf(await runtimeFor(alice).guard(meta({ schema }), [{ title: 'nothing', items: [] }], body));
    expect(formLevel.formErrors).toEqual(['Add an item']);
  });

  test('validates with valibot through Standard Schema and hands the body its transformed output', async () => {
    const schema = v.object({ email: v.pipe(v.string(), v.trim(), v.toLowerCase(), v.email('Not an email')) });
    const ok = await runtimeFor(alice).guard(meta({ schema }), [{ email: '  A@B.CO ' }], async () => getValidatedInput(schema).email);
    expect(ok).toBe('a@b.co');
    const error = failureOf(await runtimeFor(alice).guard(meta({ schema }), [{ email: 'nope' }], async () => 'ran'));
    expect(error.fieldErrors).toEqual({ email: ['Not an email'] });
  });

  test('getValidatedInput() throws outside a guarded call and when given a schema other than the action\'s', async () => {
    const schema = z.string();
    expect(() => getValidatedInput(schema)).toThrow(/outside a guarded Server Action call/);
    const other = z.string();
    const result = await runtimeFor(alice, { rethrowErrors: true })
      .guard(meta({ schema }), ['x'], async () => getValidatedInput(other))
      .catch((error: Error) => error.message);
    expect(result).toMatch(/schema other than the action's own/);
  });
});

describe('@authorize', () => {
  test('calls the authorize function after validation with the session, the validated input and the validated args', async () => {
    const schema = z.object({ id: z.string().transform((id) => id.toUpperCase()) });
    const authorize = vi.fn(async () => true);
    const result = await runtimeFor(alice).guard(meta({ schema, authorize }), [{ id: 'inv-1' }], async () => 'edited');
    expect(result).toBe('edited');
    expect(authorize).toHaveBeenCalledWith({ session: alice, input: { id: 'INV-1' }, inputs: [{ id: 'INV-1' }], args: [{ id: 'INV-1' }] });
  });

  test('denies with FORBIDDEN when authorize returns anything but true, and never runs the body', async () => {
    for (const answer of [false, 'yes', 1, undefined]) {
      const body = vi.fn();
      const result = await runtimeFor(alice).guard(meta({ authorize: async () => answer as boolean }), [], body);
      expect(failureOf(result).code).toBe('FORBIDDEN');
      expect(body).not.toHaveBeenCalled();
    }
  });
});

describe('thrown errors', () => {
  test('turns an unexpected throw into INTERNAL_ERROR with a reference id shared by onError and the event', async () => {
    const log = eventLog();
    const onError = vi.fn();
    const runtime = runtimeFor(alice, { onEvent: log.onEvent, onError });
    const error = failureOf(await runtime.guard(meta(), [], async () => {
      throw new Error('SELECT * FROM secrets failed');
    }));
    expect(error.code).toBe('INTERNAL_ERROR');
    expect(error.message).not.toMatch(/SELECT/);
    expect(error.ref).toMatch(/^[0-9a-f-]{36}$/);
    expect(onError.mock.calls[0]?.[1]).toEqual({ action: 'app/actions.ts#save', ref: error.ref });
    expect(log.calls()[0]).toMatchObject({ outcome: 'error', code: 'INTERNAL_ERROR', ref: error.ref });
  });

  test('rethrows unexpected errors when rethrowErrors is set', async () => {
    const boom = new Error('boom');
    await expect(runtimeFor(alice, { rethrowErrors: true }).guard(meta(), [], async () => Promise.reject(boom))).rejects.toBe(boom);
  });

  test('lets redirect() and notFound() from next/navigation pass through as the very same error objects', async () => {
    const log = eventLog();
    const runtime = runtimeFor(alice, { onEvent: log.onEvent });
    let thrown: unknown;
    const outcome = await runtime
      .guard(meta(), [], async () => {
        try {
          redirect('/invoices/1');
        } catch (error) {
          thrown = error;
          throw error;
        }
      })
      .catch((error: unknown) => error);
    expect(outcome).toBe(thrown);
    expect((outcome as { digest: string }).digest).toMatch(/^NEXT_REDIRECT;/);

    let missing: unknown;
    const second = await runtime
      .guard(meta(), [], async () => {
        try {
          notFound();
        } catch (error) {
          missing = error;
          throw error;
        }
      })
      .catch((error: unknown) => error);
    expect(second).toBe(missing);
    expect(log.calls().map((event) => (event.type === 'call' ? event.outcome : null))).toEqual(['control-flow', 'control-flow']);
  });
});

describe('origin', () => {
  test('strict mode rejects an action request that has no Origin header', async () => {
    const body = vi.fn();
    const runtime = runtimeFor(alice, { origin: 'strict', headers: () => new Headers({ 'next-action': 'abc' }) });
    expect(failureOf(await runtime.guard(meta(), [], body)).code).toBe('ORIGIN_REJECTED');
    expect(body).not.toHaveBeenCalled();
  });

  test('strict mode rejects a no-JS form post without Origin too', async () => {
    const runtime = runtimeFor(alice, { origin: 'strict', headers: () => new Headers({ 'content-type': 'multipart/form-data; boundary=x' }) });
    expect(failureOf(await runtime.guard(meta(), [], async () => 'ran')).code).toBe('ORIGIN_REJECTED');
  });

  test('strict mode admits an action request with an Origin, and a direct call during a page render', async () => {
    expect(await runtimeFor(alice, { origin: 'strict', headers: () => actionHeaders() }).guard(meta(), [], async () => 'ran')).toBe('ran');
    expect(await runtimeFor(alice, { origin: 'strict', headers: () => new Headers({ accept: 'text/html' }) }).guard(meta(), [], async () => 'ran')).toBe('ran');
  });

  test('the default leaves a missing Origin to Next', async () => {
    expect(await runtimeFor(alice, { headers: () => new Headers({ 'next-action': 'abc' }) }).guard(meta(), [], async () => 'ran')).toBe('ran');
  });
});

describe('events', () => {
  test('emits one event per call with the action, Next\'s id from the function, the outcome and the principal, and no input', async () => {
    const log = eventLog();
    const runtime = runtimeFor(alice, { onEvent: log.onEvent });
    const self = Object.assign(async () => {}, { $$id: '40abc' });
    await runtime.guard(meta({ schema: z.object({ secret: z.string() }) }), [{ secret: 'hunter2' }], async () => 'ok', self);
    expect(log.events).toHaveLength(1);
    expect(log.events[0]).toMatchObject({ type: 'call', action: 'app/actions.ts#save', id: '40abc', outcome: 'ok', principal: 'user-alice' });
    expect(JSON.stringify(log.events)).not.toContain('hunter2');
  });

  test('takes the id from the next-action header when the function carries none', async () => {
    const log = eventLog();
    const runtime = runtimeFor(null, { onEvent: log.onEvent, origin: 'strict', headers: () => actionHeaders({ 'next-action': '60feed' }) });
    await runtime.guard(meta(), [], async () => 'never');
    expect(log.calls()[0]).toMatchObject({ id: '60feed', outcome: 'denied', code: 'UNAUTHENTICATED' });
  });

  test('an onEvent that throws does not change the result', async () => {
    const runtime = runtimeFor(alice, { onEvent: () => { throw new Error('sink down'); } });
    expect(await runtime.guard(meta(), [], async () => 'ok')).toBe('ok');
  });

  test('opens one OpenTelemetry span per call through the global tracer of @opentelemetry/api', async () => {
    const { trace } = await import('@opentelemetry/api');
    const spans: { name: string; attributes: Record<string, unknown>; status?: unknown; ended: boolean }[] = [];
    const tracer = {
      startSpan(name: string, options?: { attributes?: Record<string, unknown> }) {
        const span = { name, attributes: { ...options?.attributes }, status: undefined as unknown, ended: false };
        spans.push(span);
        return {
          setAttribute: (key: string, value: unknown) => void (span.attributes[key] = value),
          setStatus: (status: unknown) => void (span.status = status),
          end: () => void (span.ended = true),
        };
      },
    };
    trace.setGlobalTracerProvider({ getTracer: () => tracer } as never);
    try {
      const runtime = defineRuntime({ session: () => null, headers: noHeaders });
      await runtime.guard(meta(), [], async () => 'never');
      expect(spans).toEqual([
        {
          name: 'action app/actions.ts#save',
          attributes: { 'action_guard.action': 'app/actions.ts#save', 'action_guard.outcome': 'denied', 'action_guard.code': 'UNAUTHENTICATED' },
          status: { code: 2, message: 'UNAUTHENTICATED' },
          ended: true,
        },
      ]);
    } finally {
      trace.disable();
    }
  });
});

describe('options', () => {
  test('rejects an unknown option and lists the valid ones', () => {
    expect(() => defineRuntime({ session: () => null, sesion: 1 } as never)).toThrow(
      /unknown option "sesion"\. Valid options: session, store, clientIp, origin, headers, onEvent, onError, rethrowErrors, idempotency, rateLimit, tracing/,
    );
    expect(() => defineRuntime({ session: () => null, idempotency: { waitMS: 1 } } as never)).toThrow(/"idempotency\.waitMS"/);
  });

  test('requires a session function', () => {
    expect(() => defineRuntime({} as never)).toThrow(/"session" is required/);
  });

  test('rejects malformed values with what is expected', () => {
    expect(() => defineRuntime({ session: () => null, origin: 'lax' as never })).toThrow(/"origin" must be "next" or "strict"/);
    expect(() => defineRuntime({ session: () => null, clientIp: { trustedProxy: { header: 'x-forwarded-for', hops: 0 } } })).toThrow(/hops/);
    expect(() => defineRuntime({ session: () => null, store: {} as never })).toThrow(/"store" must be a store/);
    expect(() => defineRuntime({ session: () => null, rateLimit: { onStoreError: 'maybe' as never } })).toThrow(/onStoreError/);
    expect(() => memoryStore({ maxKeys: 0 })).toThrow(/maxKeys/);
  });

  test('the default runtime knows no sessions, so every auth-requiring action is UNAUTHENTICATED', async () => {
    const { default: runtime } = await import('../src/default.js');
    expect(failureOf(await runtime.guard(meta(), [], async () => 'ran')).code).toBe('UNAUTHENTICATED');
  });
});
