import { describe, expect, test } from 'vitest';
import { defineRuntime } from '../src/index.js';
import { eventLog, meta } from './helpers.js';

describe('a baselined action', () => {
  test('runs as it did before adoption (its policy is what the transform wrote: public) and every call event says baselined', async () => {
    const log = eventLog();
    const runtime = defineRuntime({ session: () => null, headers: () => new Headers(), tracing: false, onEvent: log.onEvent });
    const baselined = { ...meta({ policy: { auth: 'public', publicReason: 'baselined: no auth decision yet (action-guard.baseline.json)' } }), baselined: ['missing-auth-decision', 'missing-schema'] };
    expect(await runtime.guard(baselined, [], async () => 'saved')).toBe('saved');
    expect(log.calls()).toMatchObject([{ type: 'call', action: 'app/actions.ts#save', outcome: 'ok', baselined: true }]);
  });

  test('an action the baseline does not touch has no baselined key in its events', async () => {
    const log = eventLog();
    const runtime = defineRuntime({ session: () => ({ id: 'ada' }), headers: () => new Headers(), tracing: false, onEvent: log.onEvent });
    await runtime.guard(meta(), [], async () => 'saved');
    expect(log.calls()).toHaveLength(1);
    expect('baselined' in log.calls()[0]!).toBe(false);
  });
});
