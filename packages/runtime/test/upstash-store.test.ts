import { Redis } from '@upstash/redis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../../test/support/redis-server.js';
import { startUpstashRestServer, type UpstashRestServerHandle } from '../../../test/support/upstash-rest-server.js';
import { defineRuntime, isActionFailure, type GuardEvent } from '../src/index.js';
import { redisStore } from '../src/redis.js';
import { upstashStore } from '../src/upstash.js';
import { ensureBuilt } from './fixtures/ensure-built.js';
import { runConcurrentChildren } from './fixtures/store-children.js';
import { meta } from './helpers.js';

let redis: RedisServerHandle;
let rest: UpstashRestServerHandle;
beforeAll(async () => {
  ensureBuilt();
  redis = await startRedisServer();
  rest = await startUpstashRestServer({ redisPort: redis.port });
}, 120_000);
afterAll(async () => {
  await rest?.stop();
  await redis?.stop();
});

/** A client as users construct it: the library's defaults (deserialization, base64, auto-pipelining). */
const userClient = (): Redis => new Redis({ url: rest.url, token: rest.token });

describe('the test endpoint speaks the documented REST protocol', () => {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(rest.url + path, { method: 'POST', headers: { authorization: `Bearer ${rest.token}`, ...headers }, body: JSON.stringify(body) });

  test('bearer token or _token required (401), unsupported methods get 405', async () => {
    expect((await fetch(rest.url + '/', { method: 'POST', body: '["PING"]' })).status).toBe(401);
    const wrong = await fetch(rest.url + '/', { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '["PING"]' });
    expect([wrong.status, await wrong.json()]).toEqual([401, { error: 'Unauthorized' }]);
    expect((await fetch(`${rest.url}/get/missing?_token=${rest.token}`)).status).toBe(200);
    expect((await fetch(rest.url + '/', { method: 'DELETE', headers: { authorization: `Bearer ${rest.token}` } })).status).toBe(405);
  });

  test('commands in the body or the path; failures are 400 with an error field; base64 on request, except "OK"', async () => {
    const key = `proto-${crypto.randomUUID()}`;
    expect(await (await post('/', ['SET', key, 'wert ü'])).json()).toEqual({ result: 'OK' });
    expect(await (await post('/', ['GET', key])).json()).toEqual({ result: 'wert ü' });
    expect(await (await post('/', ['GET', key], { 'Upstash-Encoding': 'base64' })).json()).toEqual({ result: Buffer.from('wert ü').toString('base64') });
    expect(await (await post('/', ['SET', key, 'x'], { 'Upstash-Encoding': 'base64' })).json()).toEqual({ result: 'OK' });
    expect(await (await fetch(`${rest.url}/incrby/${key}-n/5`, { headers: { authorization: `Bearer ${rest.token}` } })).json()).toEqual({ result: 5 });
    const failed = await post('/', ['INCR', key]);
    expect([failed.status, await failed.json()]).toEqual([400, { error: 'ERR value is not an integer or out of range' }]);
  });

  test('/pipeline answers each command in order, errors in place; /multi-exec runs them as one transaction', async () => {
    const key = `pipe-${crypto.randomUUID()}`;
    const piped = await post('/pipeline', [['SET', key, 'v'], ['INCR', key], ['GET', key], ['GET', `${key}-none`]]);
    expect([piped.status, await piped.json()]).toEqual([
      200,
      [{ result: 'OK' }, { error: 'ERR value is not an integer or out of range' }, { result: 'v' }, { result: null }],
    ]);
    const multi = await post('/multi-exec', [['INCR', `${key}-m`], ['INCR', `${key}-m`]]);
    expect(await multi.json()).toEqual([{ result: 1 }, { result: 2 }]);
  });

  test('the real @upstash/redis client, with its defaults, round-trips through it', async () => {
    const client = userClient();
    const key = `client-${crypto.randomUUID()}`;
    await client.set(key, { a: 1, text: 'ü' });
    expect(await client.get(key)).toEqual({ a: 1, text: 'ü' });
    // Two commands in one tick: one auto-pipelined request.
    const before = rest.requests.byPath.get('/pipeline') ?? 0;
    expect(await Promise.all([client.incr(`${key}-n`), client.incr(`${key}-n`)])).toEqual([1, 2]);
    expect((rest.requests.byPath.get('/pipeline') ?? 0) - before).toBe(1);
  });
});

describe('upstashStore()', () => {
  test('validates its options strictly', () => {
    const client = userClient();
    expect(() => upstashStore({ client, prefx: 'x' } as never)).toThrow('unknown option "prefx". Valid options: client, prefix, commandTimeoutMs');
    expect(() => upstashStore({ client: {} as never })).toThrow('"client" must be a Redis instance of @upstash/redis');
    expect(() => upstashStore({ client, prefix: 'app{1}:' })).toThrow('"prefix" must not contain "{" or "}"');
    expect(() => upstashStore({ client, commandTimeoutMs: 0 })).toThrow('"commandTimeoutMs" must be a positive number');
  });

  test('one HTTP request before the body (rate limit and claim together), one after; a replay is one request', async () => {
    const runtime = defineRuntime({
      session: () => ({ id: 'alice' }),
      store: upstashStore({ client: userClient(), prefix: `trips-${crypto.randomUUID()}:` }),
      headers: () => new Headers(),
      tracing: false,
    });
    const action = meta({ policy: { rateLimit: { limit: 100, windowSeconds: 60, by: 'user' }, dedupe: { source: 'key', name: 'key', ttlSeconds: 600 } } });
    // The first call on a fresh endpoint may add one EVAL (NOSCRIPT) per script: warm both scripts up first.
    await runtime.guard(action, [{ key: 'warm' }], async () => 'warm');
    for (const [key, runs] of [['new-1', true], ['new-2', true], ['new-1', false]] as const) {
      const start = rest.requests.total;
      let beforeBody = -1;
      const result = await runtime.guard(action, [{ key }], async () => {
        beforeBody = rest.requests.total - start;
        return { paid: key, at: new Date(0) };
      });
      expect(result).toEqual({ paid: key, at: new Date(0) });
      if (runs) {
        expect(beforeBody).toBe(1);
        expect(rest.requests.total - start).toBe(2);
      } else {
        expect(beforeBody).toBe(-1);
        expect(rest.requests.total - start).toBe(1);
      }
    }
  });

  test('shares records with redisStore() on the same database: a Node instance replays what an Edge instance ran', async () => {
    const prefix = `mixed-${crypto.randomUUID()}:`;
    const action = meta({ policy: { dedupe: { source: 'key', name: 'key', ttlSeconds: 600 } } });
    const edge = defineRuntime({ session: () => ({ id: 'alice' }), store: upstashStore({ client: userClient(), prefix }), headers: () => new Headers(), tracing: false });
    const nodeStore = redisStore({ url: redis.url, prefix });
    const node = defineRuntime({ session: () => ({ id: 'alice' }), store: nodeStore, headers: () => new Headers(), tracing: false });
    // A result that automatic deserialization would reparse if it reached the client as bare JSON.
    const returned = { list: [1, '2', { three: 3 }], big: 10n ** 20n, when: new Date(5) };
    expect(await edge.guard(action, [{ key: 'k' }], async () => returned)).toEqual(returned);
    expect(await node.guard(action, [{ key: 'k' }], async () => 'ran again')).toEqual(returned);
    expect(await edge.guard(action, [{ key: 'k' }], async () => 'ran again')).toEqual(returned);
    const mismatch = await node.guard(action, [{ key: 'k', other: 1 }], async () => 'ran again');
    expect(isActionFailure(mismatch) && mismatch.error.code).toBe('IDEMPOTENCY_KEY_MISMATCH');
    await nodeStore.close();
  });

  test('50 concurrent identical calls with one key from two processes run the body once; all replay its result', async () => {
    const prefix = `multi-${crypto.randomUUID()}:`;
    const counterKey = `${prefix}executions`;
    const config = { store: 'upstash', url: rest.url, token: rest.token, prefix, counterKey, calls: 25, mode: 'dedupe' };
    const outputs = await runConcurrentChildren([config, config]);
    expect(outputs.map((output) => output.stderr).join('')).toBe('');
    const counter = createClient({ url: redis.url });
    await counter.connect();
    expect(await counter.get(counterKey)).toBe('1');
    await counter.close();
    const all = outputs.flatMap((output) => output.results);
    const winner = all[0] as { chargedBy: number };
    expect(all).toEqual(Array.from({ length: 50 }, () => ({ chargedBy: winner.chargedBy, executions: 1, at: 'Date' })));
  }, 90_000);

  test('rate-limit counts are exact across processes: 2 × 40 concurrent calls against 30 per hour, 30 allowed', async () => {
    const prefix = `limit-${crypto.randomUUID()}:`;
    const config = { store: 'upstash', url: rest.url, token: rest.token, prefix, counterKey: `${prefix}executions`, calls: 40, mode: 'rate-limit', limit: 30 };
    const outputs = await runConcurrentChildren([config, config]);
    const all = outputs.flatMap((output) => output.results) as Array<{ code?: string; executions?: number }>;
    expect(all.filter((result) => result.code === undefined)).toHaveLength(30);
    expect(all.filter((result) => result.code === 'RATE_LIMITED')).toHaveLength(50);
    expect(Math.max(...all.map((result) => result.executions ?? 0))).toBe(30);
  }, 90_000);

  test('Redis behind the endpoint stops mid-run: no double execution, explicit failures and events, recovery after restart', async () => {
    const events: GuardEvent[] = [];
    const runtime = defineRuntime({
      session: () => ({ id: 'alice' }),
      store: upstashStore({ client: userClient(), prefix: `fault-${crypto.randomUUID()}:`, commandTimeoutMs: 1000 }),
      headers: () => new Headers(),
      tracing: false,
      onEvent: (event) => events.push(event),
    });
    const pay = meta({ ref: 'app/pay.ts#pay', policy: { dedupe: { source: 'key', name: 'key', ttlSeconds: 600 } } });
    const limited = meta({ ref: 'app/pay.ts#quote', policy: { rateLimit: { limit: 100, windowSeconds: 60, by: 'user' } } });
    const executions = new Map<string, number>();
    const body = (key: string, gate?: Promise<void>) => async () => {
      executions.set(key, (executions.get(key) ?? 0) + 1);
      await gate;
      return `paid ${key}`;
    };

    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const running = runtime.guard(pay, [{ key: 'A' }], body('A', gate));
    for (let wait = 0; wait < 100 && executions.get('A') === undefined; wait++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(executions.get('A')).toBe(1);
    await redis.stop();
    open();
    expect(await running).toBe('paid A');
    expect(events).toContainEqual(expect.objectContaining({ type: 'store-error', concern: 'idempotency', action: 'app/pay.ts#pay' }));

    events.length = 0;
    const startedAt = Date.now();
    const during = await Promise.all(Array.from({ length: 10 }, () => runtime.guard(pay, [{ key: 'B' }], body('B'))));
    expect(during.every((result) => isActionFailure(result) && result.error.code === 'INTERNAL_ERROR')).toBe(true);
    // The endpoint answers 500 at once: the failure is immediate, not a timeout.
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(executions.get('B')).toBeUndefined();
    const quote = await runtime.guard(limited, [], async () => 'quoted');
    expect(isActionFailure(quote) && quote.error.code).toBe('INTERNAL_ERROR');
    expect(events.filter((event) => event.type === 'store-error' && event.concern === 'idempotency')).toHaveLength(10);
    expect(events).toContainEqual(expect.objectContaining({ type: 'store-error', concern: 'rate-limit', decision: 'denied' }));

    // Redis comes back empty (no persistence, no script cache): EVALSHA answers NOSCRIPT and EVAL takes over.
    await redis.restart();
    let recovered: unknown = null;
    for (let attempt = 0; attempt < 50 && recovered !== 'quoted'; attempt++) {
      recovered = await runtime.guard(limited, [], async () => 'quoted');
      if (recovered !== 'quoted') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(recovered).toBe('quoted');
    const after = await Promise.all(Array.from({ length: 10 }, () => runtime.guard(pay, [{ key: 'B' }], body('B'))));
    expect(after).toEqual(Array.from({ length: 10 }, () => 'paid B'));
    expect(executions.get('B')).toBe(1);
  }, 60_000);

  test('an endpoint that does not answer at all fails the call after commandTimeoutMs, with an event', async () => {
    const events: GuardEvent[] = [];
    // A port nothing listens on: fetch fails and the client retries with backoff; the store gives up on time.
    const { getFreePort } = await import('../../../test/support/free-port.js');
    const client = new Redis({ url: `http://127.0.0.1:${await getFreePort()}`, token: 't' });
    const runtime = defineRuntime({
      session: () => ({ id: 'alice' }),
      store: upstashStore({ client, commandTimeoutMs: 300 }),
      headers: () => new Headers(),
      tracing: false,
      onEvent: (event) => events.push(event),
    });
    const startedAt = Date.now();
    const result = await runtime.guard(meta({ policy: { dedupe: { source: 'key', name: 'key', ttlSeconds: 60 } } }), [{ key: 'k' }], async () => 'ran');
    expect(isActionFailure(result) && result.error.code).toBe('INTERNAL_ERROR');
    expect(Date.now() - startedAt).toBeLessThan(2000);
    expect(events).toContainEqual(expect.objectContaining({ type: 'store-error', concern: 'idempotency', message: expect.stringContaining('Upstash did not answer within 300 ms') }));
  });
});

describe('upstashStore() keeps the claim semantics', () => {
  const store = () => upstashStore({ client: userClient(), prefix: `sem-${crypto.randomUUID()}:`, commandTimeoutMs: 5_000 });
  const dedupe = meta({ policy: { dedupe: { source: 'key', name: 'key', ttlSeconds: 1 } } });

  test('a body that throws releases the claim, so the retry runs', async () => {
    const runtime = defineRuntime({ session: () => ({ id: 'alice' }), store: store(), headers: () => new Headers(), tracing: false });
    const failed = await runtime.guard(dedupe, [{ key: 'k' }], async () => {
      throw new Error('card declined');
    });
    expect(isActionFailure(failed) && failed.error.code).toBe('INTERNAL_ERROR');
    expect(await runtime.guard(dedupe, [{ key: 'k' }], async () => 'paid')).toBe('paid');
  });

  test('a finished key is forgotten after its TTL, so it runs again', async () => {
    const runtime = defineRuntime({ session: () => ({ id: 'alice' }), store: store(), headers: () => new Headers(), tracing: false });
    let runs = 0;
    expect(await runtime.guard(dedupe, [{ key: 'k' }], async () => ++runs)).toBe(1);
    expect(await runtime.guard(dedupe, [{ key: 'k' }], async () => ++runs)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await runtime.guard(dedupe, [{ key: 'k' }], async () => ++runs)).toBe(2);
  });

  test('fencing: after a lease runs out the key is taken over, and the late finisher cannot store its result', async () => {
    const guarded = store();
    const first = await guarded.claim('{1:a}|k', 'fp', 200, 60_000);
    expect(first.status).toBe('claimed');
    expect((await guarded.claim('{1:a}|k', 'fp', 200, 60_000)).status).toBe('pending');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await guarded.claim('{1:a}|k', 'fp', 200, 60_000);
    expect(second.status).toBe('claimed');
    expect(await guarded.complete('{1:a}|k', (first as { token: string }).token, '"late"', 60_000)).toBe(false);
    expect(await guarded.complete('{1:a}|k', (second as { token: string }).token, '"fresh"', 60_000)).toBe(true);
    expect(await guarded.claim('{1:a}|k', 'fp', 200, 60_000)).toEqual({ status: 'done', fingerprint: 'fp', result: '"fresh"' });
  });

  test('stored text that looks like JSON, numbers or base64 comes back byte for byte', async () => {
    const guarded = store();
    for (const [index, text] of ['123', '1e3', 'true', 'null', '"quoted"', '[1,{"a":2}]', 'T0s=', 'OK', '', 'ü\u2028'].entries()) {
      const claim = (await guarded.claim(`{1:a}|t${index}`, '0123456789', 60_000, 60_000)) as { token: string };
      expect(await guarded.complete(`{1:a}|t${index}`, claim.token, text, 60_000)).toBe(true);
      expect(await guarded.claim(`{1:a}|t${index}`, '0123456789', 60_000, 60_000)).toEqual({ status: 'done', fingerprint: '0123456789', result: text });
    }
  });
});
