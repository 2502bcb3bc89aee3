import { afterEach, describe, expect, test, vi } from 'vitest';
import { createReporter, errorMessage } from '../src/guard/reporting.js';
import type { GuardEvent } from '../src/index.js';
import { SessionShapeError } from '../src/index.js';
import { checkSession } from '../src/session-shape.js';

function shapeError(): SessionShapeError {
  try {
    checkSession({ id: 'u1', roles: [1] });
  } catch (error) {
    return error as SessionShapeError;
  }
  throw new Error('expected a SessionShapeError');
}

describe('reporting', () => {
  afterEach(() => vi.restoreAllMocks());

  test('an onEvent that throws changes nothing; without a sink nothing is emitted', () => {
    const reporter = createReporter({ onEvent: () => { throw new Error('sink down'); }, onError: null });
    expect(() => reporter.emit({ type: 'warning', code: 'session-invalid', message: 'x' })).not.toThrow();
    expect(() => createReporter({ onEvent: null, onError: null }).emit({ type: 'warning', code: 'session-invalid', message: 'x' })).not.toThrow();
  });

  test('configuration warnings are emitted and logged once per runtime', () => {
    const events: GuardEvent[] = [];
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const reporter = createReporter({ onEvent: (event) => events.push(event), onError: null });
    reporter.clientIpUnavailable('a#b', 'no proxy header.');
    reporter.clientIpUnavailable('a#b', 'no proxy header.');
    reporter.anonymousInputDedupe('a#b');
    reporter.anonymousInputDedupe('a#b');
    expect(events.map((event) => event.type === 'warning' && event.code)).toEqual(['client-ip-unavailable', 'dedupe-input-anonymous']);
    expect(log).toHaveBeenCalledTimes(2);
    expect(String(log.mock.calls[0]![0])).toContain('no proxy header.');
  });

  test('a malformed session is logged every time with its ref, and an event once per field', () => {
    const events: GuardEvent[] = [];
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const reporter = createReporter({ onEvent: (event) => events.push(event), onError: null });
    reporter.sessionShape(shapeError(), 'ref-1');
    reporter.sessionShape(shapeError(), 'ref-2');
    expect(log.mock.calls.map((args) => String(args[0]))).toEqual([expect.stringContaining('(ref ref-1)'), expect.stringContaining('(ref ref-2)')]);
    expect(events).toMatchObject([{ type: 'warning', code: 'session-invalid' }]);
  });

  test("onError receives the error with the action and ref; an onError that throws changes nothing", () => {
    const seen: unknown[] = [];
    const error = new Error('boom');
    createReporter({ onEvent: null, onError: (...args) => seen.push(args) }).unexpectedError(error, 'a#b', 'r1');
    expect(seen).toEqual([[error, { action: 'a#b', ref: 'r1' }]]);
    const throwing = createReporter({ onEvent: null, onError: () => { throw new Error('again'); } });
    expect(() => throwing.unexpectedError(error, 'a#b', 'r1')).not.toThrow();
  });

  test('store errors carry the error name and message, never more', () => {
    const events: GuardEvent[] = [];
    createReporter({ onEvent: (event) => events.push(event), onError: null }).storeError('a#b', 'idempotency', 'denied', new TypeError('closed'));
    expect(events).toEqual([{ type: 'store-error', action: 'a#b', concern: 'idempotency', decision: 'denied', message: 'TypeError: closed' }]);
    expect(errorMessage('plain')).toBe('plain');
  });
});
