import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { validateCall } from '../src/guard/validate.js';
import { meta } from './helpers.js';

describe('step 4: validateCall', () => {
  test('answers synchronously for a synchronous schema, with the validated value and arguments', () => {
    const schema = z.object({ title: z.string().trim() });
    const result = validateCall(meta({ schema }), [{ title: '  hi  ' }]);
    expect(result).not.toBeInstanceOf(Promise);
    expect(result).toEqual({
      ok: true,
      call: { schemas: [schema], rawInput: { title: '  hi  ' }, input: { title: 'hi' }, inputs: [{ title: 'hi' }], args: [{ title: 'hi' }] },
    });
  });

  test('answers with a promise for an asynchronous schema', async () => {
    const schema = z.string().refine(async (value) => value === 'ok');
    const pending = validateCall(meta({ schema }), ['nope']);
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toMatchObject({ ok: false, details: { formErrors: expect.any(Array) } });
  });

  test('with several positions, input is the last one and inputs has each', () => {
    const schemas = [z.number(), v.object({ name: v.string() })];
    const result = validateCall(meta({ schemas }), [7, { name: 'x' }]);
    expect(result).toMatchObject({ ok: true, call: { input: { name: 'x' }, inputs: [7, { name: 'x' }] } });
  });

  test('returns field errors by path for invalid input', () => {
    const result = validateCall(meta({ schema: z.object({ qty: z.number() }) }), [{ qty: 'three' }]);
    expect(result).toMatchObject({ ok: false, details: { fieldErrors: { qty: expect.any(Array) } } });
  });

  test('refuses a FormData with a __proto__ field before any schema sees it', () => {
    const form = new FormData();
    form.append('__proto__', 'x');
    expect(validateCall(meta({ schema: z.object({}) }), [form])).toEqual({
      ok: false,
      details: { fieldErrors: {}, formErrors: ['Field "__proto__" is not allowed.'] },
    });
    expect(validateCall(meta(), [form])).toMatchObject({ ok: false });
  });

  test('without any schema, hands the arguments on unchanged', () => {
    const args = [{ a: 1 }];
    expect(validateCall(meta(), args)).toEqual({ ok: true, call: { schemas: [], rawInput: { a: 1 }, input: { a: 1 }, inputs: [], args } });
  });
});
