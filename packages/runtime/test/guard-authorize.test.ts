import { describe, expect, test } from 'vitest';
import { authorizeCall } from '../src/guard/authorize.js';
import type { AuthorizeContext } from '../src/index.js';
import { meta } from './helpers.js';
import { stepCall } from './step-helpers.js';

describe('step 5: authorizeCall', () => {
  test("hands @authorize the session and the validated values, and returns its verdict as it is", async () => {
    const seen: AuthorizeContext[] = [];
    const session = { id: 'u1' };
    const call = stepCall(meta({ authorize: (context) => (seen.push(context), context.input === 'mine') }), session);
    const validated = { schemas: [], rawInput: ' mine ', input: 'mine', inputs: ['mine'], args: ['mine'] };
    expect(authorizeCall(call, session, validated)).toBe(true);
    expect(seen).toEqual([{ session, input: 'mine', inputs: ['mine'], args: ['mine'] }]);
    expect(authorizeCall(call, session, { ...validated, input: 'theirs' })).toBe(false);
  });

  test('passes an asynchronous verdict through for the guard to await', async () => {
    const call = stepCall(meta({ authorize: async () => true }), { id: 'u1' });
    const verdict = authorizeCall(call, { id: 'u1' }, { schemas: [], rawInput: null, input: null, inputs: [], args: [] });
    expect(verdict).toBeInstanceOf(Promise);
    expect(await verdict).toBe(true);
  });
});
