import { describe, expect, test } from 'vitest';
import { checkOrigin, looksLikeActionRequest } from '../src/guard/origin.js';
import { Denial } from '../src/guard/denial.js';
import { stepCall, stepContext } from './step-helpers.js';

describe('origin check (strict mode)', () => {
  test('a fetch action or a form post is an action request; a page render is not', () => {
    expect(looksLikeActionRequest(new Headers({ 'next-action': '7f' }))).toBe(true);
    expect(looksLikeActionRequest(new Headers({ 'content-type': 'multipart/form-data; boundary=x' }))).toBe(true);
    expect(looksLikeActionRequest(new Headers({ 'content-type': 'application/x-www-form-urlencoded' }))).toBe(true);
    expect(looksLikeActionRequest(new Headers({ accept: 'text/html' }))).toBe(false);
  });

  test('denies ORIGIN_REJECTED for an action request without Origin, and admits one with it', async () => {
    const without = stepContext({ headers: () => new Headers({ 'next-action': '7f' }) });
    const error = await checkOrigin(without, stepCall()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Denial);
    expect((error as Denial).failure.error.code).toBe('ORIGIN_REJECTED');
    const withOrigin = stepContext({ headers: () => new Headers({ 'next-action': '7f', origin: 'http://localhost' }) });
    await expect(checkOrigin(withOrigin, stepCall())).resolves.toBeUndefined();
  });
});
