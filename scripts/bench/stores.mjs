#!/usr/bin/env node
// Store benchmark: per-call cost and round trips of the full chain (auth, roles, zod, rate limit, idempotency) on
// each shared store, for a new key and a replayed key: a single Redis, a Redis Cluster (3 masters + 3 replicas) and
// Upstash over REST (the real @upstash/redis client, with its defaults, against test/support/upstash-rest-server.ts in
// front of a redis-server). Everything runs on 127.0.0.1, so a round trip here costs what loopback costs; against a
// real network the per-call time grows by round trips × latency, which is why the counts matter.
// Run: node scripts/bench/stores.mjs (build the runtime first: npx -y pnpm@10 --filter @action-guard/runtime build)
// Targets (issue 18): cluster as Redis (≤ 2 round trips, 1 before the body); Upstash 1 HTTP request before the body.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const runtimeDir = new URL('../../packages/runtime/', import.meta.url);
const requireFromRuntime = createRequire(new URL('package.json', runtimeDir));
const load = (specifier) => import(pathToFileURL(requireFromRuntime.resolve(specifier)).href);

const { defineRuntime } = await import(new URL('dist/index.js', runtimeDir).href);
const { redisStore } = await import(new URL('dist/redis.js', runtimeDir).href);
const { upstashStore } = await import(new URL('dist/upstash.js', runtimeDir).href);
const { z } = await load('zod');
const { createClient, createCluster } = await load('redis');
const { Redis } = await load('@upstash/redis');
const esbuild = await load('esbuild');

const CALLS = Number(process.env.BENCH_STORE_CALLS ?? 1_500);
const ROUNDS = 3;

// The servers come from the tests' own support code (TypeScript), bundled here for plain Node.
const supportDir = mkdtempSync(join(tmpdir(), 'ag-bench-stores-'));
process.once('exit', () => rmSync(supportDir, { recursive: true, force: true }));
async function loadSupport(name) {
  const outfile = join(supportDir, `${name}.mjs`);
  await esbuild.build({ entryPoints: [join(root, 'test/support', `${name}.ts`)], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'error' });
  return import(pathToFileURL(outfile).href);
}
const { startRedisServer } = await loadSupport('redis-server');
const { startRedisCluster } = await loadSupport('redis-cluster');
const { startUpstashRestServer } = await loadSupport('upstash-rest-server');

const single = await startRedisServer();
const cluster = await startRedisCluster();
const restRedis = await startRedisServer();
const rest = await startUpstashRestServer({ redisPort: restRedis.port });
const stopAll = async () => {
  await rest.stop();
  await Promise.all([single.stop(), cluster.stop(), restRedis.stop()]);
};

// Round trips: every command a store's client sends (SCRIPT LOAD, EVALSHA, EVAL), and every HTTP request Upstash's
// client makes (counted at fetch, so an auto-pipelined batch is one).
let trips = 0;
const counted = (target, names) =>
  new Proxy(target, {
    get(object, property) {
      const value = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      if (names.includes(property)) return (...args) => (trips++, value.apply(object, args));
      return value.bind(object);
    },
  });
const singleClient = createClient({ url: single.url, disableOfflineQueue: true });
await singleClient.connect();
const clusterClient = createCluster({ rootNodes: cluster.urls.map((url) => ({ url })), defaults: { disableOfflineQueue: true } });
clusterClient.on('error', () => {});
await clusterClient.connect();
const realFetch = globalThis.fetch;
globalThis.fetch = (...args) => (trips++, realFetch(...args));
const scriptCommands = ['scriptLoad', 'evalSha', 'eval'];

const schema = z.object({ title: z.string().min(1), qty: z.number().int(), key: z.string() });
const session = { id: 'user-1', roles: ['editor'] };
const headers = new Headers();
let tripsBeforeBody = 0;
let callStart = 0;
const body = async (input) => {
  tripsBeforeBody += trips - callStart;
  return { saved: input.title.length + input.qty };
};
const action = {
  ref: 'app/posts/actions.ts#save', file: 'app/posts/actions.ts', exportName: 'save', kind: 'export', line: 1, column: 0,
  policy: {
    auth: 'required', publicReason: null, roles: ['editor'], authorize: null, schema: 'schema', fromRules: [],
    dedupe: { source: 'key', name: 'key', ttlSeconds: 3600 },
    rateLimit: { limit: 1_000_000_000, windowSeconds: 3600, by: 'user' },
  },
  schema: () => schema, authorize: null,
};
const self = Object.assign(async () => {}, { $$id: '7f' + '0'.repeat(40) });
const runtimeWith = (store) => defineRuntime({ session: () => session, store, headers: () => headers, tracing: false });
const prefix = `bench-${Date.now()}:`;
const stores = [
  ['redis', runtimeWith(redisStore({ client: counted(singleClient, scriptCommands), prefix }))],
  ['redis cluster', runtimeWith(redisStore({ client: counted(clusterClient, scriptCommands), prefix }))],
  ['upstash (REST)', runtimeWith(upstashStore({ client: new Redis({ url: rest.url, token: rest.token }), prefix }))],
];

let unique = 0;
const variants = stores.flatMap(([store, runtime]) => [
  { store, key: 'new key', runtime, input: () => ({ title: 'Hello', qty: 3, key: `k${unique++}` }) },
  { store, key: 'replayed key', runtime, input: () => ({ title: 'Hello', qty: 3, key: 'same' }) },
]);
for (const variant of variants) {
  // Warm-up: scripts loaded (or EVAL'd once) on every server, connections open, the replayed key stored.
  for (let index = 0; index < 200; index++) {
    const result = await variant.runtime.guard(action, [variant.input()], body, self);
    if (result?.saved !== 8) throw new Error(`${variant.store} ${variant.key}: the call did not succeed: ${JSON.stringify(result)}`);
  }
}
const bareTimes = [];
const results = new Map(variants.map((variant) => [variant, { times: [], trips: 0, before: 0 }]));
for (let round = 0; round < ROUNDS; round++) {
  for (let index = 0; index < CALLS / ROUNDS; index++) {
    const start = process.hrtime.bigint();
    await body({ title: 'Hello', qty: 3 });
    bareTimes.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  for (const variant of variants) {
    const result = results.get(variant);
    for (let index = 0; index < CALLS / ROUNDS; index++) {
      const input = variant.input();
      const tripsAtStart = trips;
      const beforeAtStart = tripsBeforeBody;
      callStart = trips;
      const start = process.hrtime.bigint();
      await variant.runtime.guard(action, [input], body, self);
      result.times.push(Number(process.hrtime.bigint() - start) / 1000);
      result.trips += trips - tripsAtStart;
      result.before += tripsBeforeBody - beforeAtStart;
    }
  }
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const bare = percentile(bareTimes, 50);
const header = ['store', 'key', 'calls', 'p50 µs', 'p99 µs', 'overhead p50 µs', 'round trips/call', 'before the body'];
const rows = variants.map((variant) => {
  const { times, trips: total, before } = results.get(variant);
  return [
    variant.store, variant.key, String(times.length), percentile(times, 50).toFixed(0), percentile(times, 99).toFixed(0),
    (percentile(times, 50) - bare).toFixed(0), (total / times.length).toFixed(2),
    variant.key === 'replayed key' ? 'no body' : (before / times.length).toFixed(2),
  ];
});
const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
const line = (cells) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
console.log(`Store benchmark: node ${process.version}, ${CALLS} calls per variant, ${ROUNDS} interleaved rounds, all on 127.0.0.1, load average ${loadavg().map((value) => value.toFixed(2)).join(' ')}`);
console.log(line(header));
console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));

globalThis.fetch = realFetch;
await singleClient.close();
await clusterClient.close();
await stopAll();
