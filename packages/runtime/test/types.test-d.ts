import type { FormHTMLAttributes } from 'react';
import { useActionState } from 'react';
import { describe, expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import { isActionFailure as isActionFailureOnClient, type ActionResult as ClientActionResult } from '../src/client.js';
import {
  defineRuntime,
  getActionSession,
  getValidatedInput,
  isActionFailure,
  type ActionFailure,
  type ActionResult,
  type FailureCode,
  type FailureMapper,
  type Session,
} from '../src/index.js';
import { type ActionMeta } from '../src/internal.js';

/** What `<form action>` accepts, straight from React's own types (minus the URL string form). */
type FormAction = Exclude<FormHTMLAttributes<HTMLFormElement>['action'], string | undefined>;

const createPostSchema = z.object({ title: z.string(), publishAt: z.string().transform((value) => new Date(value)) });

// Actions as users write them. The transform keeps each signature exactly, so these are the types callers see.
// A plain form action returns nothing (React ignores its result, including a guard failure); an action whose
// result the UI reads declares ActionResult, since the guard may answer with a failure instead of the body.
declare function savePost(formData: FormData): Promise<void>;
declare function createPost(formData: FormData): Promise<ActionResult<{ id: string }>>;
interface EditState {
  saved: boolean;
}
declare function editPost(previous: ActionResult<EditState>, formData: FormData): Promise<ActionResult<EditState>>;
declare function deletePost(id: string): Promise<ActionResult<{ deleted: true }>>;

describe('a guarded action keeps a signature React and Next accept', () => {
  test('is assignable to <form action> and formAction when it returns nothing', () => {
    expectTypeOf(savePost).toExtend<FormAction>();
    expectTypeOf(savePost).toExtend<(formData: FormData) => void | Promise<void>>();
  });

  test('React itself rejects a <form action> that returns a value, so results are read through useActionState', () => {
    expectTypeOf(createPost).not.toExtend<FormAction>();
  });

  test("is assignable to useActionState's (state, payload) => state, with ActionResult as the state", () => {
    expectTypeOf(editPost).toExtend<(state: Awaited<ActionResult<EditState>>, payload: FormData) => ActionResult<EditState> | Promise<ActionResult<EditState>>>();
    const useIt = () => useActionState(editPost, { saved: false });
    expectTypeOf<ReturnType<typeof useIt>[0]>().toEqualTypeOf<ActionResult<EditState>>();
    expectTypeOf<ReturnType<typeof useIt>[1]>().toEqualTypeOf<(payload: FormData) => void>();
  });

  test('is callable directly, and isActionFailure narrows the result on the client', async () => {
    const result = await deletePost('post-1');
    if (isActionFailureOnClient(result)) {
      expectTypeOf(result.error.code).toEqualTypeOf<FailureCode>();
      expectTypeOf(result.error.retryAfter).toEqualTypeOf<number | undefined>();
    } else {
      expectTypeOf(result).toEqualTypeOf<{ deleted: true }>();
    }
  });

  test('ActionResult is the same type from the server entry and the client entry', () => {
    expectTypeOf<ClientActionResult<number>>().toEqualTypeOf<ActionResult<number>>();
  });
});

declare const meta: ActionMeta;

describe('the guard and the body', () => {
  const runtime = defineRuntime({ session: () => ({ id: 'u', roles: ['admin'] as const }) });

  test('guard resolves to what the body returns, or a failure', () => {
    const result = runtime.guard(meta, [new FormData()], async (formData: FormData) => ({ id: String(formData.get('id')) }));
    expectTypeOf(result).toEqualTypeOf<Promise<{ id: string } | ActionFailure>>();
  });

  test('getValidatedInput gives the schema\'s transformed output type, without parsing again', () => {
    expectTypeOf(getValidatedInput(createPostSchema)).toEqualTypeOf<{ title: string; publishAt: Date }>();
  });

  test('getActionSession gives the session type the app asks for', () => {
    interface AppSession extends Session {
      email: string;
    }
    expectTypeOf(getActionSession<AppSession>()).toEqualTypeOf<AppSession | null>();
  });

  test('isActionFailure narrows an unknown value to ActionFailure', () => {
    const value: unknown = null;
    if (isActionFailure(value)) expectTypeOf(value).toEqualTypeOf<ActionFailure>();
  });

  test('defineRuntime rejects options it does not know', () => {
    // @ts-expect-error: `sesion` is not an option (and `session` is required).
    defineRuntime({ sesion: () => null });
  });
});

describe('FailureMapper checks an @onFailure function against its action', () => {
  interface FormState {
    errors?: Record<string, string[]>;
    message?: string | null;
  }
  const createInvoice = async (_prevState: FormState, _formData: FormData): Promise<FormState> => ({});

  test('a mapper returning the state shape type-checks, with the arguments typed as the action declares them', () => {
    const toState: FailureMapper<typeof createInvoice> = (failure, prevState, formData) => {
      expectTypeOf(prevState).toEqualTypeOf<FormState>();
      expectTypeOf(formData).toEqualTypeOf<FormData>();
      return { ...prevState, message: failure.error.message };
    };
    expectTypeOf(toState).toBeFunction();
  });

  test('a mapper of another shape does not', () => {
    // @ts-expect-error `message` is a string or null in FormState, not a number
    const wrong: FailureMapper<typeof createInvoice> = (failure) => ({ message: failure.error.code.length });
    // @ts-expect-error the raw failure is exactly what the form cannot hold
    const raw: FailureMapper<typeof createInvoice> = (failure) => failure;
    expectTypeOf(wrong).toBeFunction();
    expectTypeOf(raw).toBeFunction();
  });
});
