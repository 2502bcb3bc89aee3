import { afterEach, describe, expect, test, vi } from 'vitest';
import { defineRuntime, isActionFailure, SessionShapeError, type GuardEvent } from '../src/index.js';
import { eventLog, meta } from './helpers.js';

const adminOnly = meta({ policy: { roles: ['admin'] } });

function codeOf(result: unknown): string | null {
  return isActionFailure(result) ? result.error.code : null;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('roles given as a string', () => {
  test('attack: roles "not-an-admin" no longer passes @role admin (it did, by substring), and the body never runs', async () => {
    // Before: `held.includes(role)` on a string is String.prototype.includes, so "not-an-admin" held "admin".
    const runtime = defineRuntime({ session: () => ({ id: 'mallory', roles: 'not-an-admin' }), headers: () => new Headers(), tracing: false });
    const body = vi.fn(async () => 'admin panel');
    expect(codeOf(await runtime.guard(adminOnly, [], body))).toBe('FORBIDDEN');
    for (const roles of ['administrator', 'admin ', 'ADMIN', 'admins', 'a,admin']) {
      const other = defineRuntime({ session: () => ({ id: 'mallory', roles }), headers: () => new Headers(), tracing: false });
      expect(codeOf(await other.guard(adminOnly, [], body))).toBe('FORBIDDEN');
    }
    expect(body).not.toHaveBeenCalled();
  });

  test('a single string is exactly one role: "admin" holds admin', async () => {
    const runtime = defineRuntime({ session: () => ({ id: 'ada', roles: 'admin' }), headers: () => new Headers(), tracing: false });
    expect(await runtime.guard(adminOnly, [], async () => 'admin panel')).toBe('admin panel');
  });

  test('an array is compared element by element, never by substring', async () => {
    const runtime = defineRuntime({ session: () => ({ id: 'mallory', roles: ['not-an-admin', 'adm'] }), headers: () => new Headers(), tracing: false });
    expect(codeOf(await runtime.guard(adminOnly, [], async () => 'admin panel'))).toBe('FORBIDDEN');
  });
});

describe('a session of the wrong shape', () => {
  const cases: [string, unknown, string][] = [
    ['roles as a number', { id: 'u', roles: 7 }, '"roles" must be an array of strings or a single string, got a number'],
    ['roles as null', { id: 'u', roles: null }, '"roles" must be an array of strings or a single string, got null'],
    ['roles as a Set', { id: 'u', roles: new Set(['admin']) }, '"roles" must be an array of strings or a single string, got an object (Set)'],
    ['roles as an object', { id: 'u', roles: { admin: true } }, '"roles" must be an array of strings or a single string, got an object (Object)'],
    ['a non-string role', { id: 'u', roles: ['admin', 1] }, '"roles[1]" must be a string, got a number'],
    ['a hole among the roles', { id: 'u', roles: ['admin', , 'x'] }, '"roles[1]" must be a string, got undefined'],
    ['a numeric id', { id: 42, roles: ['admin'] }, '"id" must be a non-empty string, got a number'],
    ['an empty id', { id: '', roles: ['admin'] }, '"id" must be a non-empty string, got the string ""'],
    ['a string instead of a session', 'admin', 'expected an object or null, got the string "admin"'],
  ];

  test.each(cases)('with %s fails the call with INTERNAL_ERROR, logs the field by default and never runs the body', async (_name, value, explained) => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const log = eventLog();
    const runtime = defineRuntime({ session: () => value as never, onEvent: log.onEvent, headers: () => new Headers(), tracing: false });
    const body = vi.fn(async () => 'ran');
    const result = await runtime.guard(adminOnly, [], body);
    expect(codeOf(result)).toBe('INTERNAL_ERROR');
    expect(body).not.toHaveBeenCalled();
    const ref = isActionFailure(result) ? result.error.ref : undefined;
    expect(ref).toMatch(/^[0-9a-f-]{36}$/);
    // Logged without any onError configured, naming the field and the ref the caller got.
    expect(error).toHaveBeenCalledTimes(1);
    const line = String(error.mock.calls[0]?.[0]);
    expect(line).toContain(explained);
    expect(line).toContain(`ref ${ref}`);
    expect(log.events).toContainEqual(expect.objectContaining({ type: 'warning', code: 'session-invalid' }));
    expect(log.calls()).toEqual([expect.objectContaining({ outcome: 'error', code: 'INTERNAL_ERROR', ref })]);
  });

  test('hands onError a SessionShapeError naming the field; the warning event comes once, the log line every time', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const log = eventLog();
    const onError = vi.fn();
    const broken = defineRuntime({ session: () => ({ id: 'u', roles: [null] }) as never, onEvent: log.onEvent, onError, headers: () => new Headers(), tracing: false });
    await broken.guard(adminOnly, [], async () => 'x');
    await broken.guard(meta(), [], async () => 'x');
    expect(onError).toHaveBeenCalledTimes(2);
    const reported = onError.mock.calls[0]?.[0] as SessionShapeError;
    expect(reported).toBeInstanceOf(SessionShapeError);
    expect(reported.field).toBe('roles[0]');
    expect(reported.message).toContain('"roles[0]" must be a string, got null');
    expect(error).toHaveBeenCalledTimes(2);
    expect(log.events.filter((event: GuardEvent) => event.type === 'warning')).toHaveLength(1);
  });
});
