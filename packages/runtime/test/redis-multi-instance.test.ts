import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../../test/support/redis-server.js';
import { defineRuntime, isActionFailure, type GuardEvent } from '../src/index.js';
import { redisStore, type RedisStore } from '../src/redis.js';
import { ensureBuilt } from './fixtures/ensure-built.js';
import { meta } from './helpers.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const childScript = join(packageDir, 'test', 'fixtures', 'two-process-child.mjs');

let redis: RedisServerHandle;
beforeAll(async () => {
  ensureBuilt();
  redis = await startRedisServer();
}, 120_000);
afterAll(async () => {
  await redis?.stop();
});

interface Child {
  ready: Promise<void>;
  go(): void;
  results: Promise<{ results: unknown[]; stderr: string }>;
}

function startChild(prefix: string, counterKey: string, calls: number): Child {
  const child = spawn(process.execPath, [childScript, redis.url, prefix, counterKey, String(calls)], {
    cwd: packageDir,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (stdout.startsWith('ready\n')) markReady();
  });
  const results = new Promise<{ results: unknown[]; stderr: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child timed out:\n${stdout}\n${stderr}`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`child exited with ${code}:\n${stdout}\n${stderr}`));
      resolve({ results: JSON.parse(stdout.split('\n')[1] ?? 'null') as unknown[], stderr });
    });
  });
  return { ready, go: () => child.stdin.end('go\n'), results };
}

describe('two instances in two processes sharing one Redis', () => {
  test('25 + 25 concurrent calls with one idempotency key run the body exactly once and all replay its result', async () => {
    const prefix = `multi-${crypto.randomUUID()}:`;
    const counterKey = `${prefix}executions`;
    const children = [startChild(prefix, counterKey, 25), startChild(prefix, counterKey, 25)];
    await Promise.all(children.map((child) => child.ready));
    for (const child of children) child.go();
    const [first, second] = await Promise.all(children.map((child) => child.results));

    const counter = createClient({ url: redis.url });
    await counter.connect();
    expect(await counter.get(counterKey)).toBe('1');
    await counter.close();

    const all = [...(first?.results ?? []), ...(second?.results ?? [])];
    // Store errors and unexpected throws in the children would explain a failure below.
    expect(`${first?.stderr}${second?.stderr}`).toBe('');
    expect(all).toHaveLength(50);
    const winner = all[0] as { chargedBy: number };
    // Every call, in both processes, got the one execution's result (the Date survived the Redis round trip).
    expect(all).toEqual(Array.from({ length: 50 }, () => ({ chargedBy: winner.chargedBy, executions: 1, at: 'Date' })));
  }, 90_000);
});

describe('Redis outages', () => {
  test('stopping Redis mid-run: no double execution, explicit failures and events, and recovery after restart', async () => {
    const events: GuardEvent[] = [];
    const store: RedisStore = redisStore({ url: redis.url, prefix: `fault-${crypto.randomUUID()}:`, commandTimeoutMs: 300 });
    const runtime = defineRuntime({
      session: () => ({ id: 'alice' }),
      store,
      headers: () => new Headers(),
      tracing: false,
      onEvent: (event) => events.push(event),
    });
    const dedupe = { dedupe: { source: 'key' as const, name: 'key', ttlSeconds: 600 } };
    const pay = meta({ ref: 'app/pay.ts#pay', policy: dedupe });
    const limited = meta({ ref: 'app/pay.ts#quote', policy: { rateLimit: { limit: 100, windowSeconds: 60, by: 'user' } } });
    const executions = new Map<string, number>();
    const body = (key: string, gate?: Promise<void>) => async () => {
      executions.set(key, (executions.get(key) ?? 0) + 1);
      await gate;
      return `paid ${key}`;
    };

    // A call is running when Redis goes away.
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const running = runtime.guard(pay, [{ key: 'A' }], body('A', gate));
    for (let wait = 0; wait < 100 && executions.get('A') === undefined; wait++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(executions.get('A')).toBe(1);
    await redis.stop();
    open();
    // The body ran once and its caller gets its result; storing it failed, and an event says so.
    expect(await running).toBe('paid A');
    expect(events).toContainEqual(expect.objectContaining({ type: 'store-error', concern: 'idempotency', action: 'app/pay.ts#pay' }));

    // While Redis is down: idempotent calls fail closed, rate-limited calls follow onStoreError (deny), bodies never run.
    events.length = 0;
    const during = await Promise.all(Array.from({ length: 10 }, () => runtime.guard(pay, [{ key: 'B' }], body('B'))));
    expect(during.every((result) => isActionFailure(result) && result.error.code === 'INTERNAL_ERROR')).toBe(true);
    expect(executions.get('B')).toBeUndefined();
    const quote = await runtime.guard(limited, [], async () => 'quoted');
    expect(isActionFailure(quote) && quote.error.code).toBe('INTERNAL_ERROR');
    expect(events.filter((event) => event.type === 'store-error' && event.concern === 'idempotency')).toHaveLength(10);
    expect(events).toContainEqual(expect.objectContaining({ type: 'store-error', concern: 'rate-limit', decision: 'denied' }));

    // Redis comes back (empty: it runs without persistence); the store reconnects by itself.
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
    await store.close();
  }, 60_000);

  test('a store created while Redis is down connects once it is up', async () => {
    const server = await startRedisServer();
    await server.stop();
    const store = redisStore({ url: server.url, commandTimeoutMs: 300 });
    const runtime = defineRuntime({ session: () => ({ id: 'alice' }), store, headers: () => new Headers(), tracing: false });
    const limited = meta({ policy: { rateLimit: { limit: 10, windowSeconds: 60, by: 'user' } } });
    const down = await runtime.guard(limited, [], async () => 'ran');
    expect(isActionFailure(down) && down.error.code).toBe('INTERNAL_ERROR');
    await server.restart();
    let result: unknown = null;
    for (let attempt = 0; attempt < 50 && result !== 'ran'; attempt++) {
      result = await runtime.guard(limited, [], async () => 'ran');
      if (result !== 'ran') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(result).toBe('ran');
    await store.close();
    await server.stop();
  }, 60_000);
});

describe('without the client library', () => {
  test('a url store whose `@redis/client` cannot be loaded says which package to install', () => {
    // The built store alone, where no node_modules holds @redis/client (an app that installed only `redis`), run by
    // plain Node: vitest's own resolver would find the workspace's copy.
    const dir = mkdtempSync(join(tmpdir(), 'ag-no-redis-client-'));
    try {
      // redis.js and the chunks it imports (the Lua scripts are shared with the Upstash store).
      for (const file of readdirSync(join(packageDir, 'dist'))) {
        if (file.endsWith('.js')) copyFileSync(join(packageDir, 'dist', file), join(dir, file));
      }
      writeFileSync(
        join(dir, 'call.mjs'),
        `import { redisStore } from './redis.js';
const store = redisStore({ url: ${JSON.stringify(redis.url)} });
try { await store.rateLimit('k', 1, 1000); console.log('resolved'); } catch (error) { console.log(error.message); console.log(error.cause?.code); }`,
      );
      const { stdout } = spawnSync(process.execPath, [join(dir, 'call.mjs')], { encoding: 'utf8', timeout: 30_000 });
      expect(stdout).toContain('redisStore({ url }) loads the `@redis/client` package, which is not installed here');
      expect(stdout).toContain('npm install @redis/client');
      expect(stdout).toContain('ERR_MODULE_NOT_FOUND');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
