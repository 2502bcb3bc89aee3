import { afterEach, describe, expect, test, vi } from 'vitest';
import { SESSION_MAX_AGE_SECONDS, createSessionToken, readSessionToken } from '../lib/session-cookie';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('session cookie', () => {
  test('a token made for a user reads back as that user', () => {
    expect(readSessionToken(createSessionToken(42))).toBe(42);
  });

  test('a token whose user id was changed is rejected', () => {
    const [version, , expires, signature] = createSessionToken(42).split('.');
    expect(readSessionToken(`${version}.1.${expires}.${signature}`)).toBeNull();
  });

  test('a token signed with another secret is rejected', () => {
    vi.stubEnv('SESSION_SECRET', 'secret-one');
    const token = createSessionToken(7);
    vi.stubEnv('SESSION_SECRET', 'secret-two');
    expect(readSessionToken(token)).toBeNull();
  });

  test('a token is rejected once it has expired', () => {
    const issuedAt = Date.UTC(2026, 0, 1);
    const token = createSessionToken(7, issuedAt);
    expect(readSessionToken(token, issuedAt + (SESSION_MAX_AGE_SECONDS - 1) * 1000)).toBe(7);
    expect(readSessionToken(token, issuedAt + SESSION_MAX_AGE_SECONDS * 1000)).toBeNull();
  });

  test('missing and malformed values are rejected without throwing', () => {
    for (const value of [undefined, '', 'v1', 'v1.1.2', 'v2.1.2.sig', 'v1.x.2.sig', 'a.b.c.d.e']) {
      expect(readSessionToken(value)).toBeNull();
    }
  });
});
