import { describe, expect, test } from 'vitest';
import { acceptSession, holdsAnyRole, identityRefusal } from '../src/guard/identity.js';
import { SessionShapeError } from '../src/index.js';
import { meta } from './helpers.js';
import { stepCall } from './step-helpers.js';

describe('step 1: acceptSession', () => {
  test('keeps no session for null and undefined', () => {
    const call = stepCall();
    acceptSession(call, null);
    acceptSession(call, undefined);
    expect(call.session).toBeNull();
    expect(call.heldRoles).toEqual([]);
  });

  test('keeps the session and its roles, a single string being one role', () => {
    const call = stepCall();
    acceptSession(call, { id: 'u1', roles: 'admin,editor' });
    expect(call.session).toEqual({ id: 'u1', roles: 'admin,editor' });
    expect(call.heldRoles).toEqual(['admin,editor']);
  });

  test('throws SessionShapeError naming the field for a malformed session, and keeps none', () => {
    const call = stepCall();
    expect(() => acceptSession(call, { id: 'u1', roles: [1] } as never)).toThrow(SessionShapeError);
    expect(() => acceptSession(call, { name: 'no id' } as never)).toThrow(/id/);
    expect(call.session).toBeNull();
  });
});

describe('steps 2 and 3: identityRefusal', () => {
  test('UNAUTHENTICATED without a session when auth is required or @authorize is present', () => {
    expect(identityRefusal(stepCall(meta()))).toBe('UNAUTHENTICATED');
    const withAuthorize = meta({ policy: { auth: 'public' }, authorize: () => true });
    expect(identityRefusal(stepCall(withAuthorize))).toBe('UNAUTHENTICATED');
  });

  test('nothing to refuse for a public action without a session', () => {
    expect(identityRefusal(stepCall(meta({ policy: { auth: 'public' } })))).toBeNull();
  });

  test('FORBIDDEN when the session holds none of the roles; any one of them admits', () => {
    const roles = meta({ policy: { roles: ['admin', 'editor'] } });
    expect(identityRefusal(stepCall(roles, { id: 'u1', roles: ['viewer'] }))).toBe('FORBIDDEN');
    expect(identityRefusal(stepCall(roles, { id: 'u1', roles: ['editor'] }))).toBeNull();
    expect(identityRefusal(stepCall(roles, { id: 'u1' }))).toBe('FORBIDDEN');
  });

  test('holdsAnyRole matches whole roles only', () => {
    expect(holdsAnyRole(['admin'], ['administrator'])).toBe(false);
    expect(holdsAnyRole(['a', 'b'], ['b'])).toBe(true);
    expect(holdsAnyRole([], ['b'])).toBe(false);
  });
});
