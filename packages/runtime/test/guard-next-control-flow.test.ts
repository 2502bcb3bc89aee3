import { describe, expect, test } from 'vitest';
import { serializeResult } from '../src/idempotency.js';
import { replayableDigest, replayStored, THROWN_PREFIX } from '../src/guard/next-control-flow.js';

describe('Next control flow under an idempotency key', () => {
  test('redirect() and notFound()/forbidden() digests are replayable; other digests and errors are not', () => {
    expect(replayableDigest({ digest: 'NEXT_REDIRECT;push;/done;307;' })).toBe('NEXT_REDIRECT;push;/done;307;');
    expect(replayableDigest({ digest: 'NEXT_HTTP_ERROR_FALLBACK;404' })).toBe('NEXT_HTTP_ERROR_FALLBACK;404');
    expect(replayableDigest({ digest: 'DYNAMIC_SERVER_USAGE' })).toBeNull();
    expect(replayableDigest(new Error('boom'))).toBeNull();
    expect(replayableDigest(null)).toBeNull();
  });

  test('a stored digest is thrown again with the same digest, which is all Next reads', () => {
    let thrown: unknown;
    try {
      replayStored(`${THROWN_PREFIX}NEXT_REDIRECT;push;/done;307;`);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).toMatchObject({ message: 'NEXT_REDIRECT', digest: 'NEXT_REDIRECT;push;/done;307;' });
  });

  test('a stored value comes back as the value', () => {
    const date = new Date(0);
    expect(replayStored(serializeResult({ ok: true, at: date })!)).toEqual({ ok: true, at: date });
  });
});
