import { describe, expect, test } from 'vitest';
import { finishCall, resolveCallId } from '../src/guard/call-report.js';
import { defineRuntime, type GuardEvent } from '../src/index.js';
import { actionHeaders, eventLog, meta } from './helpers.js';
import { stepCall, stepContext } from './step-helpers.js';

const INLINE_ID = '00aa11bb22cc33dd44ee55ff66aa77bb88cc99dd00';

function idOf(context: ReturnType<typeof stepContext>, call: ReturnType<typeof stepCall>): Promise<string | null> {
  return new Promise((resolve) => resolveCallId(context, call, resolve));
}

describe('the call report', () => {
  test("the id is the registered function's own $$id when the transform passed it", async () => {
    const context = stepContext({ headers: () => actionHeaders({ 'next-action': 'from-header' }) });
    expect(await idOf(context, stepCall(meta(), null, Object.assign(() => {}, { $$id: '40own' })))).toBe('40own');
  });

  test("an inline action's id comes from the request Next routed, even when no step read the headers", async () => {
    const context = stepContext({ headers: () => actionHeaders({ 'next-action': INLINE_ID }) });
    expect(await idOf(context, stepCall(meta({ ref: 'app/page.tsx#Page/sendReminder' })))).toBe(INLINE_ID);
  });

  test('no id without the header (a no-JS form post, a page render), and when the headers cannot be read', async () => {
    expect(await idOf(stepContext(), stepCall())).toBeNull();
    const unreadable = stepContext({ headers: () => { throw new Error('outside a request'); } });
    expect(await idOf(unreadable, stepCall())).toBeNull();
    const rejected = stepContext({ headers: () => Promise.reject(new Error('outside a request')) });
    expect(await idOf(rejected, stepCall())).toBeNull();
  });

  test('an event carries outcome, code, principal, ref and the baselined mark', () => {
    const context = stepContext();
    const call = stepCall({ ...meta(), baselined: ['missing-schema'] }, { id: 'u1' }, { $$id: '40own' });
    finishCall(context, call, 'error', 'INTERNAL_ERROR', 'r1');
    expect(context.events).toEqual([
      { type: 'call', action: 'app/actions.ts#save', id: '40own', outcome: 'error', code: 'INTERNAL_ERROR', principal: 'u1', ref: 'r1', baselined: true, durationMs: expect.any(Number) },
    ]);
  });
});

describe('inline actions through the guard (issue #16)', () => {
  // An inline action's generated wrapper calls guard(meta, args, impl) with no `self` (docs/architecture.md §1).
  const inline = { ...meta({ ref: 'app/invoices/[id]/page.tsx#Page/sendReminder' }), kind: 'inline' as const, exportName: null };

  test('the event of a fetch call carries the id Next routed, with no header-reading policy', async () => {
    const log = eventLog();
    const runtime = defineRuntime({ session: () => ({ id: 'u1' }), headers: () => actionHeaders({ 'next-action': INLINE_ID }), tracing: false, onEvent: log.onEvent });
    await runtime.guard(inline, [], async () => 'sent');
    await Promise.resolve();
    expect(log.calls()).toMatchObject([{ action: inline.ref, id: INLINE_ID, outcome: 'ok' }]);
  });

  test('a guarded call made from inside another is not given the outer request\'s id', async () => {
    const events: GuardEvent[] = [];
    const runtime = defineRuntime({ session: () => ({ id: 'u1' }), headers: () => actionHeaders({ 'next-action': '40outer' }), tracing: false, onEvent: (event) => events.push(event) });
    const outer = Object.assign(() => {}, { $$id: '40outer' });
    await runtime.guard(meta({ ref: 'app/actions.ts#outer' }), [], async () => runtime.guard(inline, [], async () => 'inner'), outer);
    await Promise.resolve();
    const ids = Object.fromEntries(events.flatMap((event) => (event.type === 'call' ? [[event.action, event.id]] : [])));
    expect(ids).toEqual({ 'app/actions.ts#outer': '40outer', [inline.ref]: null });
  });
});
