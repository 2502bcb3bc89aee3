import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startRedisCluster, type RedisClusterHandle } from '../../../test/support/redis-cluster.js';
import { defineRuntime, isActionFailure, type GuardEvent } from '../src/index.js';
import { redisStore, type RedisStore } from '../src/redis.js';
import { actionScope } from '../src/store-keys.js';
import { ensureBuilt } from './fixtures/ensure-built.js';
import { runConcurrentChildren } from './fixtures/store-children.js';
import { meta } from './helpers.js';

// Three masters, three replicas (Debian's redis-server), cluster-node-timeout 1 s: a killed master is failed over in
// a few seconds. The whole file shares one cluster; the failover test runs last (it kills a master).
let cluster: RedisClusterHandle;
const opened: RedisStore[] = [];
beforeAll(async () => {
  ensureBuilt();
  cluster = await startRedisCluster({ nodeTimeoutMs: 1000 });
}, 120_000);
afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()));
  await cluster?.stop();
});

function clusterStore(options: { prefix?: string; commandTimeoutMs?: number } = {}): RedisStore {
  const store = redisStore({
    cluster: { rootNodes: cluster.urls.map((url) => ({ url })) },
    prefix: options.prefix ?? `c${crypto.randomUUID()}:`,
    commandTimeoutMs: options.commandTimeoutMs ?? 5_000,
    connectTimeoutMs: 10_000,
  });
  opened.push(store);
  return store;
}

const both = { rateLimit: { limit: 100, windowSeconds: 60, by: 'user' as const }, dedupe: { source: 'key' as const, name: 'key', ttlSeconds: 600 } };

describe('redisStore({ cluster })', () => {
  test('validates the cluster option strictly', () => {
    const rootNodes = [{ url: 'redis://127.0.0.1:1' }];
    expect(() => redisStore({ cluster: { rootNodes }, url: 'redis://x' })).toThrow('pass exactly one of "url", "cluster" or "client"');
    expect(() => redisStore({ cluster: { rootNodes: [] } })).toThrow('"cluster.rootNodes" must be a non-empty array');
    expect(() => redisStore({ cluster: { rootNodes, useReplicas: true } as never })).toThrow('unknown option "cluster.useReplicas"');
    expect(() => redisStore({ cluster: { rootNodes: [{ url: 'redis://a', host: 'b' }] } as never })).toThrow('"cluster.rootNodes[0]" must be { url');
    expect(() => redisStore({ cluster: { rootNodes }, prefix: 'app:{x}:' })).toThrow('"prefix" must not contain "{" or "}"');
  });

  test('actions spread over the masters, and every script of one action stays in its slot (no CROSSSLOT)', async () => {
    const runtime = defineRuntime({ session: () => ({ id: 'alice' }), store: clusterStore(), headers: () => new Headers(), tracing: false });
    // Two actions on each master (the hash tag decides), found among the first 60 names.
    const byMaster = new Map<number, number[]>();
    for (let index = 0; index < 60 && [...byMaster.values()].filter((found) => found.length >= 2).length < 3; index++) {
      const master = (await cluster.masterOf(await cluster.keySlot(actionScope(`app/orders-${index}.ts#pay`))))!;
      byMaster.set(master, [...(byMaster.get(master) ?? []), index]);
    }
    expect(byMaster.size).toBe(3);
    for (const index of [...byMaster.values()].flatMap((found) => found.slice(0, 2))) {
      const ref = `app/orders-${index}.ts#pay`;
      const action = meta({ ref, policy: both });
      // rateLimitAndClaim touches the bucket and the record in one script: one slot, or Redis would refuse it.
      expect(await runtime.guard(action, [{ key: 'k' }], async () => ({ paid: index, at: new Date(index) }))).toEqual({ paid: index, at: new Date(index) });
      expect(await runtime.guard(action, [{ key: 'k' }], async () => 'ran twice')).toEqual({ paid: index, at: new Date(index) });
      const mismatch = await runtime.guard(action, [{ key: 'k', amount: 2 }], async () => 'ran twice');
      expect(isActionFailure(mismatch) && mismatch.error.code).toBe('IDEMPOTENCY_KEY_MISMATCH');
      const thrown = await runtime.guard(action, [{ key: 'throws' }], async () => {
        throw new Error('declined');
      });
      expect(isActionFailure(thrown) && thrown.error.code).toBe('INTERNAL_ERROR');
      expect(await runtime.guard(action, [{ key: 'throws' }], async () => 'retried')).toBe('retried');
    }
  }, 60_000);

  test('a node-redis cluster client passed as { client } works the same', async () => {
    const client = createCluster({ rootNodes: cluster.urls.map((url) => ({ url })) });
    client.on('error', () => {});
    await client.connect();
    const runtime = defineRuntime({ session: () => ({ id: 'bob' }), store: redisStore({ client, prefix: `u${crypto.randomUUID()}:` }), headers: () => new Headers(), tracing: false });
    const limited = meta({ ref: 'app/limited.ts#send', policy: { rateLimit: { limit: 2, windowSeconds: 60, by: 'user' } } });
    expect(await runtime.guard(limited, [], async () => 'sent')).toBe('sent');
    expect(await runtime.guard(limited, [], async () => 'sent')).toBe('sent');
    const third = await runtime.guard(limited, [], async () => 'sent');
    expect(isActionFailure(third) && third.error.code).toBe('RATE_LIMITED');
    await client.close();
  });

  test('50 concurrent identical calls with one key from two processes run the body once; all replay its result', async () => {
    const prefix = `multi-${crypto.randomUUID()}:`;
    const counterKey = `${prefix}executions`;
    const config = { store: 'cluster', rootNodes: cluster.urls, prefix, counterKey, calls: 25, mode: 'dedupe' };
    const outputs = await runConcurrentChildren([config, config]);
    expect(outputs.map((output) => output.stderr).join('')).toBe('');
    const all = outputs.flatMap((output) => output.results);
    const winner = all[0] as { chargedBy: number };
    expect(all).toEqual(Array.from({ length: 50 }, () => ({ chargedBy: winner.chargedBy, executions: 1, at: 'Date' })));
  }, 90_000);

  test('rate-limit counts are exact across processes: 2 × 40 concurrent calls against 30 per hour, 30 allowed', async () => {
    const prefix = `limit-${crypto.randomUUID()}:`;
    const config = { store: 'cluster', rootNodes: cluster.urls, prefix, counterKey: `${prefix}executions`, calls: 40, mode: 'rate-limit', limit: 30 };
    const outputs = await runConcurrentChildren([config, config]);
    const all = outputs.flatMap((output) => output.results) as Array<{ code?: string; executions?: number }>;
    expect(all.filter((result) => result.code === undefined)).toHaveLength(30);
    expect(all.filter((result) => result.code === 'RATE_LIMITED')).toHaveLength(50);
    expect(Math.max(...all.map((result) => result.executions ?? 0))).toBe(30);
  }, 90_000);

  // Runs last: it kills a master.
  test('killing the master of the key\'s slot mid-run: no double execution, explicit failures and events, new keys succeed again within 20 s', async () => {
    const events: GuardEvent[] = [];
    const runtime = defineRuntime({ session: () => ({ id: 'alice' }), store: clusterStore({ commandTimeoutMs: 500 }), headers: () => new Headers(), tracing: false, onEvent: (event) => events.push(event) });
    const ref = 'app/failover.ts#pay';
    const pay = meta({ ref, policy: { dedupe: { source: 'key', name: 'key', ttlSeconds: 600 } } });
    const quote = meta({ ref, policy: { rateLimit: { limit: 10_000, windowSeconds: 60, by: 'user' } } });
    const slot = await cluster.keySlot(actionScope(ref));
    const victim = (await cluster.masterOf(slot))!;
    const executions = new Map<string, number>();
    const body = (key: string, gate?: Promise<void>) => async () => {
      executions.set(key, (executions.get(key) ?? 0) + 1);
      await gate;
      return `paid ${key}`;
    };

    // A bare node-redis cluster client beside the store, for comparison: it re-reads the slot map only on MOVED/ASK.
    const bare = createCluster({ rootNodes: cluster.urls.map((url) => ({ url })), defaults: { disableOfflineQueue: true } });
    bare.on('error', () => {});
    await bare.connect();

    // Before: it works, and a call is in its body when the master dies.
    expect(await runtime.guard(pay, [{ key: 'before' }], body('before'))).toBe('paid before');
    let open: () => void = () => {};
    const running = runtime.guard(pay, [{ key: 'in-flight' }], body('in-flight', new Promise<void>((resolve) => (open = resolve))));
    for (let wait = 0; wait < 100 && !executions.has('in-flight'); wait++) await new Promise((resolve) => setTimeout(resolve, 20));
    // Redis replicates asynchronously: a write the master acknowledged but had not yet sent to its replica when it
    // crashed is lost on failover (and a retry of its key would run again). This test crashes the master once its
    // replica has caught up, which is what the store can rely on; README "Choosing a store" states the window.
    await cluster.replicated(victim);
    const killedAt = Date.now();
    await cluster.kill(victim);
    open();
    // The body ran once and its caller gets its result, whether or not storing it reached a master.
    expect(await running).toBe('paid in-flight');

    // During: a new key every 100 ms, a rate-limited call, and a retry of the in-flight key, until a new key succeeds.
    let promotedAt: number | null = null;
    let recoveredAt: number | null = null;
    let bareFailedAfterPromotion = 0;
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 200 && recoveredAt === null && Date.now() - killedAt < 20_000; attempt++) {
      if (promotedAt === null) {
        const master = await cluster.masterOf(slot);
        if (master !== null && master !== victim) promotedAt = Date.now();
      }
      const key = `during-${attempt}`;
      const result = await runtime.guard(pay, [{ key }], body(key));
      const limited = await runtime.guard(quote, [], async () => 'quoted');
      if (promotedAt !== null) await bare.get(`{${actionScope(ref).slice(1, -1)}}probe`).catch(() => bareFailedAfterPromotion++);
      if (result === `paid ${key}`) {
        recoveredAt = Date.now();
        expect(limited).toBe('quoted');
      } else {
        expect(isActionFailure(result) && result.error.code).toBe('INTERNAL_ERROR');
        expect(isActionFailure(limited) && limited.error.code).toBe('INTERNAL_ERROR');
        outcomes.push('failed');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const lastError = events.filter((event) => event.type === 'store-error').at(-1);
    expect(promotedAt, `the cluster promoted no replica for slot ${slot} within 20 s`).not.toBeNull();
    expect(recoveredAt, `promoted after ${promotedAt! - killedAt} ms, the store still failed 20 s after the kill: ${JSON.stringify(lastError)}`).not.toBeNull();
    // Every failure came with an event that says so; no body ran for a failed call, none ran twice.
    expect(outcomes.length).toBeGreaterThan(0);
    expect(events.filter((event) => event.type === 'store-error' && event.concern === 'idempotency').length).toBeGreaterThanOrEqual(outcomes.length);
    expect(events.filter((event) => event.type === 'store-error' && event.concern === 'rate-limit').length).toBeGreaterThanOrEqual(outcomes.length);
    expect([...executions.values()].every((count) => count === 1)).toBe(true);
    // The in-flight key never runs twice: it replays (its result reached the replica) or stays claimed.
    const retry = await runtime.guard(pay, [{ key: 'in-flight' }], body('in-flight'));
    expect(executions.get('in-flight')).toBe(1);
    expect(retry === 'paid in-flight' || (isActionFailure(retry) && retry.error.code === 'IDEMPOTENCY_KEY_IN_USE')).toBe(true);
    // Records written before the kill survived on the promoted replica.
    expect(await runtime.guard(pay, [{ key: 'before' }], body('before'))).toBe('paid before');
    expect(executions.get('before')).toBe(1);
    await bare.close();

    const recovery = { failedCalls: outcomes.length, killToPromotionMs: promotedAt! - killedAt, promotionToRecoveryMs: recoveredAt! - promotedAt!, killToRecoveryMs: recoveredAt! - killedAt, bareClientFailuresAfterPromotion: bareFailedAfterPromotion };
    console.info(`cluster failover: ${JSON.stringify(recovery)}`);
    expect(recovery.killToRecoveryMs).toBeLessThan(20_000);
  }, 60_000);
});
