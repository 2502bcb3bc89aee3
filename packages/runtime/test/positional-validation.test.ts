/**
 * Attacks on what a guarded action body receives (#14, B6). Every argument of a Server Action is client-controlled
 * (docs/next-internals.md §6: `<form action>` → (formData); `.bind(null, x)` → (x, formData); useActionState → (prevState,
 * formData); a direct call → anything), so the guard validates each one by the schema of its position and the
 * body gets the validated values. Each test says what the attack achieved before (only the last FormData, or the
 * single argument, was validated and the body got the raw arguments) and checks what it achieves now.
 */
import { describe, expect, test, vi } from 'vitest';
import { z } from 'zod';
import {
  defineRuntime,
  getValidatedInput,
  isActionFailure,
  memoryStore,
  type ActionFailure,
  type Session,
} from '../src/index.js';
import { type ActionMeta } from '../src/internal.js';
import { meta } from './helpers.js';

const alice: Session = { id: 'user-alice', roles: ['member'] };

function runtimeFor(session: Session | null = alice) {
  return defineRuntime({ session: () => session, headers: () => new Headers(), tracing: false, store: memoryStore() });
}

function failureOf(result: unknown): ActionFailure['error'] {
  expect(isActionFailure(result)).toBe(true);
  return (result as ActionFailure).error;
}

function form(entries: [string, string | File][]): FormData {
  const data = new FormData();
  for (const [key, value] of entries) data.append(key, value);
  return data;
}

const InvoiceId = z.coerce.number().int().positive();
const InvoiceState = z.union([z.null(), z.object({ ok: z.literal(false) })]);
const InvoiceForm = z.object({ customer: z.string().min(1), amount: z.coerce.number().positive() });
/** `@schema InvoiceId, InvoiceState, InvoiceForm` on `updateInvoice(id, prevState, formData)`. */
const updateInvoice = meta({ ref: 'app/invoices/actions.ts#updateInvoice', schemas: [InvoiceId, InvoiceState, InvoiceForm] });

describe('attacks on bound arguments (`.bind(null, id)`, then useActionState)', () => {
  test('an id the client rewrote to an operator object never reaches the body (before: the body got { $ne: null })', async () => {
    const body = vi.fn();
    const result = await runtimeFor().guard(updateInvoice, [{ $ne: null }, null, form([['customer', 'Acme'], ['amount', '5']])], body);
    expect(failureOf(result)).toMatchObject({ code: 'INVALID_INPUT', fieldErrors: { '0': [expect.any(String)] } });
    expect(body).not.toHaveBeenCalled();
  });

  test('a FormData sent in the id position is validated as an object and refused (before: passed through raw)', async () => {
    const body = vi.fn();
    const result = await runtimeFor().guard(updateInvoice, [form([['id', '7']]), null, form([['customer', 'Acme'], ['amount', '5']])], body);
    expect(failureOf(result).code).toBe('INVALID_INPUT');
    expect(body).not.toHaveBeenCalled();
  });

  test('the body receives the validated id, not the string the client sent', async () => {
    const result = await runtimeFor().guard(updateInvoice, ['7', null, form([['customer', 'Acme'], ['amount', '5']])], async (id, _state, _form) => id);
    expect(result).toBe(7);
  });
});

describe('attacks on the previous state (useActionState)', () => {
  test('a forged previous state is refused (before: the body got { ok: true, role: "admin" } as sent)', async () => {
    const body = vi.fn();
    const result = await runtimeFor().guard(updateInvoice, ['7', { ok: true, role: 'admin' }, form([['customer', 'Acme'], ['amount', '5']])], body);
    const error = failureOf(result);
    expect(error.code).toBe('INVALID_INPUT');
    expect(Object.keys(error.fieldErrors ?? {}).every((field) => field === '1' || field.startsWith('1.'))).toBe(true);
    expect(body).not.toHaveBeenCalled();
  });

  test('keys the state schema strips never reach the body', async () => {
    const result = await runtimeFor().guard(updateInvoice, ['7', { ok: false, injected: '<script>' }, form([['customer', 'Acme'], ['amount', '5']])], async (_id, state, _form) => state);
    expect(result).toEqual({ ok: false });
  });
});

describe('attacks through the FormData', () => {
  test('a field the schema does not declare is gone from the FormData the body reads (before: formData.get("isAdmin") was "true")', async () => {
    const data = form([['customer', 'Acme'], ['amount', '5'], ['isAdmin', 'true'], ['$ACTION_ID_abc', '']]);
    const result = await runtimeFor().guard(updateInvoice, ['7', null, data], async (_id, _state, received) => {
      const fields = received as FormData;
      return { isFormData: fields instanceof FormData, same: fields === data, isAdmin: fields.get('isAdmin'), keys: [...fields.keys()] };
    });
    expect(result).toEqual({ isFormData: true, same: false, isAdmin: null, keys: ['customer', 'amount'] });
  });

  test('the body reads the raw values the schema accepted, and getValidatedInput the typed output', async () => {
    const result = await runtimeFor().guard(updateInvoice, ['7', null, form([['customer', 'Acme'], ['amount', '12.5']])], async (_id, _state, received) => ({
      raw: (received as FormData).get('amount'),
      typed: getValidatedInput(InvoiceForm).amount,
    }));
    expect(result).toEqual({ raw: '12.5', typed: 12.5 });
  });

  test('repeated keys and files the schema kept are all in the body\'s FormData', async () => {
    const schema = z.object({ tags: z.array(z.string()), avatar: z.instanceof(File) });
    const file = new File(['bytes'], 'me.png', { type: 'image/png' });
    const result = await runtimeFor().guard(meta({ schema }), [form([['tags', 'a'], ['tags', 'b'], ['avatar', file]])], async (received) => ({
      tags: (received as FormData).getAll('tags'),
      avatar: ((received as FormData).get('avatar') as File).name,
    }));
    expect(result).toEqual({ tags: ['a', 'b'], avatar: 'me.png' });
  });

  test('a single-schema form keeps its field errors exactly as before (no position prefix)', async () => {
    const createInvoice = meta({ schema: InvoiceForm });
    const error = failureOf(await runtimeFor().guard(createInvoice, [form([['customer', ''], ['amount', '-1']])], vi.fn()));
    expect(Object.keys(error.fieldErrors ?? {}).sort()).toEqual(['amount', 'customer']);
  });

  test('with several positions, a form\'s field errors stay under the field names forms show', async () => {
    const error = failureOf(await runtimeFor().guard(updateInvoice, ['7', null, form([['customer', ''], ['amount', '5']])], vi.fn()));
    expect(Object.keys(error.fieldErrors ?? {})).toEqual(['customer']);
  });

  test('__proto__ in a FormData at any position is refused', async () => {
    const body = vi.fn();
    const error = failureOf(await runtimeFor().guard(updateInvoice, ['7', null, form([['__proto__', 'x']])], body));
    expect(error).toMatchObject({ code: 'INVALID_INPUT', formErrors: ['Field "__proto__" is not allowed.'] });
    expect(body).not.toHaveBeenCalled();
  });
});

describe('attacks with more or fewer arguments than positions', () => {
  test('an extra argument is INVALID_INPUT, never dropped silently (before: the body got it as a fourth argument)', async () => {
    const body = vi.fn();
    const error = failureOf(await runtimeFor().guard(updateInvoice, ['7', null, form([['customer', 'Acme'], ['amount', '5']]), { extra: true }], body));
    expect(error).toMatchObject({ code: 'INVALID_INPUT', formErrors: ['The action was called with more arguments than it accepts.'] });
    expect(body).not.toHaveBeenCalled();
  });

  test('a missing argument is validated as undefined (a direct call without the form fails instead of crashing the body)', async () => {
    const body = vi.fn();
    expect(failureOf(await runtimeFor().guard(updateInvoice, ['7'], body)).code).toBe('INVALID_INPUT');
    expect(body).not.toHaveBeenCalled();
  });

  test('a rest parameter\'s schema validates the array of the remaining arguments, element errors named by argument', async () => {
    const label = meta({ schemas: [InvoiceId, z.array(z.string().max(10)).max(2)], rest: true });
    expect(await runtimeFor().guard(label, ['7', 'a', 'b'], async (...args) => args)).toEqual([7, 'a', 'b']);
    const tooMany = failureOf(await runtimeFor().guard(label, ['7', 'a', 'b', 'c'], vi.fn()));
    expect(tooMany).toMatchObject({ code: 'INVALID_INPUT', fieldErrors: { '1': [expect.any(String)] } });
    const tooLong = failureOf(await runtimeFor().guard(label, ['7', 'a', 'x'.repeat(11)], vi.fn()));
    expect(tooLong.fieldErrors).toHaveProperty(['2']);
  });

  test('a plain object sent where the form goes is validated and reaches the body as the schema\'s output', async () => {
    const result = await runtimeFor().guard(updateInvoice, ['7', null, { customer: 'Acme', amount: '5', isAdmin: true }], async (_id, _state, data) => data);
    expect(result).toEqual({ customer: 'Acme', amount: 5 });
  });
});

describe('@authorize and idempotency see validated values at every position', () => {
  test('@authorize receives the validated arguments and every position\'s value', async () => {
    const authorize = vi.fn(async () => true);
    const action = meta({ schemas: [InvoiceId, InvoiceState, InvoiceForm], authorize });
    await runtimeFor().guard(action, ['7', null, form([['customer', 'Acme'], ['amount', '5'], ['isAdmin', 'true']])], async () => 'ok');
    const [[context]] = authorize.mock.calls as unknown as [[{ input: unknown; inputs: unknown[]; args: unknown[] }]];
    expect(context.input).toEqual({ customer: 'Acme', amount: 5 });
    expect(context.inputs).toEqual([7, null, { customer: 'Acme', amount: 5 }]);
    expect(context.args[0]).toBe(7);
    expect((context.args[2] as FormData).get('isAdmin')).toBeNull();
  });

  test('one key sent with another bound id is a mismatch, not a replay of the first invoice\'s result', async () => {
    const Payment = z.object({ amount: z.coerce.number(), key: z.string() });
    const action = meta({ schemas: [InvoiceId, Payment], policy: { dedupe: { source: 'key', name: 'key', ttlSeconds: 600 } } });
    const runtime = runtimeFor();
    const body = vi.fn(async (id: unknown, _form: unknown) => `paid invoice ${String(id)}`);
    expect(await runtime.guard(action, ['1', form([['amount', '5'], ['key', 'k-1']])], body)).toBe('paid invoice 1');
    expect(failureOf(await runtime.guard(action, ['2', form([['amount', '5'], ['key', 'k-1']])], body)).code).toBe('IDEMPOTENCY_KEY_MISMATCH');
    expect(await runtime.guard(action, ['1', form([['amount', '5'], ['key', 'k-1']])], body)).toBe('paid invoice 1');
    expect(body).toHaveBeenCalledTimes(1);
  });
});

describe('getValidatedInput with several schemas', () => {
  test('returns the output of the position the schema validates, and refuses a schema named for two positions', async () => {
    const twice = meta({ schemas: [InvoiceId, InvoiceId] });
    const result = await runtimeFor().guard(updateInvoice, ['7', null, form([['customer', 'Acme'], ['amount', '5']])], async () => [
      getValidatedInput(InvoiceId),
      getValidatedInput(InvoiceState),
    ]);
    expect(result).toEqual([7, null]);
    const ambiguous = await runtimeFor().guard(twice, ['1', '2'], async () => getValidatedInput(InvoiceId));
    expect(failureOf(ambiguous).code).toBe('INTERNAL_ERROR');
  });
});

describe('metadata from the transform before positional schemas', () => {
  // `schema: () => X` (one schema, not a list): read as one position, so its old `(prevState, formData)` shape
  // fails closed instead of letting the previous state through unvalidated.
  const legacy = (schema: z.ZodType): ActionMeta => ({ ...meta(), policy: { ...meta().policy, schema: 'legacySchema' }, schema: () => schema });

  test('one schema validates a one-argument call as before', async () => {
    expect(await runtimeFor().guard(legacy(InvoiceForm), [form([['customer', 'Acme'], ['amount', '5']])], async () => getValidatedInput(InvoiceForm))).toEqual({
      customer: 'Acme',
      amount: 5,
    });
  });

  test('a (prevState, formData) call is refused instead of passing prevState raw', async () => {
    const body = vi.fn();
    expect(failureOf(await runtimeFor().guard(legacy(InvoiceForm), [{ forged: true }, form([['customer', 'Acme'], ['amount', '5']])], body)).code).toBe('INVALID_INPUT');
    expect(body).not.toHaveBeenCalled();
  });
});
