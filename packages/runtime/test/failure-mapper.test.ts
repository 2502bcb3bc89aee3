import { describe, expect, test, vi } from 'vitest';
import { z } from 'zod';
import { createFailure, defineRuntime, isActionFailure, type ActionFailure, type FailureMapper } from '../src/index.js';
import { actionHeaders, eventLog, meta } from './helpers.js';

// `@onFailure`: the guard's own failures come back in the action's own shape (issue #16), the body's results never
// pass through the mapper, and a mapper that throws is loud, not a leaked stack.

interface FormState {
  errors?: Record<string, string[]>;
  message?: string | null;
}
const FormSchema = z.object({ title: z.string().min(1, 'Enter a title') });
const StateSchema = z.unknown();

async function createPost(_prevState: FormState, _formData: FormData): Promise<FormState> {
  return { message: 'created' };
}
const toFormState: FailureMapper<typeof createPost> = (failure, prevState) => ({
  ...prevState,
  errors: failure.error.fieldErrors ?? {},
  message: failure.error.message,
});

function form(fields: Record<string, string>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
}

function runtimeFor(session: { id: string } | null = { id: 'u1' }, extra: Parameters<typeof defineRuntime>[0] extends infer O ? Partial<O> : never = {}) {
  return defineRuntime({ session: () => session, headers: () => actionHeaders(), tracing: false, ...extra });
}

describe('an action with @onFailure', () => {
  const mapped = meta({ schemas: [StateSchema, FormSchema], onFailure: toFormState as (failure: ActionFailure, ...args: any[]) => unknown });

  test('answers a validation failure in its own state shape, with the field errors and the previous state', async () => {
    const result = await runtimeFor().guard(mapped, [{ message: 'before' }, form({ title: '' })], createPost);
    expect(isActionFailure(result)).toBe(false);
    expect(result).toEqual({ message: 'Some of the submitted values are not valid.', errors: { title: ['Enter a title'] } });
  });

  test('maps an auth failure and a rate limit the same way', async () => {
    const noSession = await runtimeFor(null).guard(mapped, [{}, form({ title: 'x' })], createPost);
    expect(noSession).toEqual({ errors: {}, message: 'You need to sign in to do this.' });

    const limited = meta({
      schemas: [StateSchema, FormSchema],
      policy: { rateLimit: { limit: 1, windowSeconds: 60, by: 'user' } },
      onFailure: toFormState as (failure: ActionFailure, ...args: any[]) => unknown,
    });
    const runtime = runtimeFor();
    expect(await runtime.guard(limited, [{}, form({ title: 'x' })], createPost)).toEqual({ message: 'created' });
    expect(await runtime.guard(limited, [{}, form({ title: 'x' })], createPost)).toEqual({ errors: {}, message: 'Too many requests. Please try again later.' });
  });

  test('maps the INTERNAL_ERROR of a body that threw, and the event still says what happened', async () => {
    const log = eventLog();
    const onError = vi.fn();
    const result = await runtimeFor({ id: 'u1' }, { onEvent: log.onEvent, onError }).guard(mapped, [{}, form({ title: 'x' })], async () => {
      throw new Error('database down');
    });
    expect(result).toEqual({ errors: {}, message: 'Something went wrong. Please try again.' });
    expect(onError).toHaveBeenCalledOnce();
    expect(log.calls()).toMatchObject([{ outcome: 'error', code: 'INTERNAL_ERROR' }]);
  });

  test("never maps the body's own result, even one shaped like a guard failure", async () => {
    const ownFailure = createFailure('FORBIDDEN');
    const result = await runtimeFor().guard(mapped, [{}, form({ title: 'x' })], async () => ownFailure);
    expect(result).toBe(ownFailure);
  });

  test('a mapper that throws answers INTERNAL_ERROR, logs it with the ref, and tells onError', async () => {
    const onError = vi.fn();
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const broken = meta({ schemas: [StateSchema, FormSchema], onFailure: () => { throw new Error('mapper bug'); } });
      const result = await runtimeFor(null, { onError }).guard(broken, [{}, form({ title: 'x' })], createPost);
      expect(isActionFailure(result) && result.error.code).toBe('INTERNAL_ERROR');
      const ref = (result as ActionFailure).error.ref!;
      expect(consoleError).toHaveBeenCalledWith(expect.stringContaining(`the @onFailure function of app/actions.ts#save threw (ref ${ref}): Error: mapper bug`));
      expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'mapper bug' }), { action: 'app/actions.ts#save', ref });
    } finally {
      consoleError.mockRestore();
    }
  });

  test("lets a mapper's redirect() through, as Next's control flow", async () => {
    const redirect = Object.assign(new Error('NEXT_REDIRECT'), { digest: 'NEXT_REDIRECT;replace;/login;307;' });
    const toLogin = meta({ schemas: [StateSchema, FormSchema], onFailure: () => { throw redirect; } });
    await expect(runtimeFor(null).guard(toLogin, [{}, form({ title: 'x' })], createPost)).rejects.toBe(redirect);
  });
});

test('an action without @onFailure answers the failure itself, as before', async () => {
  const result = await runtimeFor(null).guard(meta({ schemas: [StateSchema, FormSchema] }), [{}, form({ title: 'x' })], createPost);
  expect(isActionFailure(result) && result.error.code).toBe('UNAUTHENTICATED');
});
