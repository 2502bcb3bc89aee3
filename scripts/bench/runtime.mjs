#!/usr/bin/env node
// Runtime benchmark: per-call overhead of the guard over the bare function, in one process, against
// next-safe-action 8 doing the same auth + schema work.
// Run: node scripts/bench/runtime.mjs   (build the runtime first: npx -y pnpm@10 --filter @action-guard/runtime build)
// Starts its own redis-server (Debian's, /usr/bin/redis-server) on a free 127.0.0.1 port, or uses REDIS_URL.
// Targets (issue 3): (a) auth + zod ≤ 1× next-safe-action's overhead; (b) full chain on the memory store ≤ 10 µs
// per call at p50; Redis ≤ 2 round trips per call.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, connect } from 'node:net';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';

process.env.NEXT_TELEMETRY_DISABLED = '1';
const runtimeDir = new URL('../../packages/runtime/', import.meta.url);
const requireFromRuntime = createRequire(new URL('package.json', runtimeDir));
const load = (specifier) => import(pathToFileURL(requireFromRuntime.resolve(specifier)).href);

const { defineRuntime, memoryStore } = await import(new URL('dist/index.js', runtimeDir).href);
const { redisStore } = await import(new URL('dist/redis.js', runtimeDir).href);
const { z } = await load('zod');
const { createSafeActionClient } = await load('next-safe-action');
const { createClient } = await load('redis');

const CALLS = Number(process.env.BENCH_CALLS ?? 30_000);
const REDIS_CALLS = Number(process.env.BENCH_REDIS_CALLS ?? 3_000);
const ROUNDS = 3;

// ---- Redis: our own server unless REDIS_URL is given -------------------------------------------------------------
async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
async function answersPing(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(500, () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => (socket.destroy(), resolve(data.toString().startsWith('+PONG'))));
  });
}
let redisProcess = null;
let redisUrl = process.env.REDIS_URL;
if (redisUrl === undefined) {
  const port = await freePort();
  redisProcess = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let attempt = 0; attempt < 100 && !(await answersPing(port)); attempt++) await new Promise((r) => setTimeout(r, 50));
  redisUrl = `redis://127.0.0.1:${port}`;
}
process.once('exit', () => redisProcess?.kill('SIGKILL'));

// A node-redis client that counts round trips (every script call is one EVALSHA; SCRIPT LOAD happens once).
const redisClient = createClient({ url: redisUrl, disableOfflineQueue: true });
await redisClient.connect();
let roundTrips = 0;
const countingClient = {
  scriptLoad: (script) => (roundTrips++, redisClient.scriptLoad(script)),
  evalSha: (sha, options) => (roundTrips++, redisClient.evalSha(sha, options)),
  eval: (script, options) => (roundTrips++, redisClient.eval(script, options)),
};

// ---- The action, bare and guarded --------------------------------------------------------------------------------
const schema = z.object({ title: z.string().min(1), qty: z.number().int(), key: z.string() });
const session = { id: 'user-1', roles: ['editor'] };
const getSession = () => session;
const bare = async (input) => ({ saved: input.title.length + input.qty });
const headers = new Headers();

const basePolicy = { auth: 'required', publicReason: null, roles: [], authorize: null, schema: 'schema', dedupe: null, rateLimit: null, fromRules: [] };
const meta = (policy) => ({
  ref: 'app/posts/actions.ts#save', file: 'app/posts/actions.ts', exportName: 'save', kind: 'export', line: 1, column: 0,
  policy: { ...basePolicy, ...policy }, schema: () => schema, authorize: null,
});
const authAndSchema = meta({});
const fullChain = meta({
  roles: ['editor'],
  dedupe: { source: 'key', name: 'key', ttlSeconds: 3600 },
  rateLimit: { limit: 1_000_000_000, windowSeconds: 3600, by: 'user' },
});
const self = Object.assign(async () => {}, { $$id: '7f' + '0'.repeat(40) });

const runtimeWith = (store) => defineRuntime({ session: getSession, store, headers: () => headers, tracing: false });
// Every call of "(b) full chain, new key" stores a record for the same user: the quota is raised so the bench times
// admitted calls, never the refusals a default per-principal quota (4 MiB) would give after ~8,000 of them.
const memoryRuntime = runtimeWith(memoryStore({ maxKeys: 200_000, maxBytes: 256 * 1024 * 1024, maxBytesPerPrincipal: 256 * 1024 * 1024 }));
const redisRuntime = runtimeWith(redisStore({ client: countingClient, prefix: `bench:${Date.now()}:` }));

const safeAction = createSafeActionClient()
  .use(async ({ next }) => {
    const current = getSession();
    if (current === null) throw new Error('unauthenticated');
    return next({ ctx: { session: current } });
  })
  .inputSchema(schema)
  .action(async ({ parsedInput }) => bare(parsedInput));

// `input` makes the call's data (what the client sent) before the clock starts; `call` is what is timed: the
// guard's whole pipeline, including the argument list the generated wrapper builds on every call.
let unique = 0;
const asIs = (input) => input;
const newKey = (input) => ({ ...input, key: `k${unique++}` });
const sameKey = (input) => ({ ...input, key: 'same' });
const variants = [
  { name: 'bare function', store: '-', input: asIs, call: (input) => bare(input) },
  { name: '(a) auth + zod: action-guard', store: 'memory', input: asIs, call: (input) => memoryRuntime.guard(authAndSchema, [input], bare, self) },
  { name: '(a) auth + zod: action-guard', store: 'redis', redis: true, input: asIs, call: (input) => redisRuntime.guard(authAndSchema, [input], bare, self) },
  { name: '(a) auth + zod: next-safe-action 8', store: '-', input: asIs, call: (input) => safeAction(input) },
  { name: '(b) full chain, new key', store: 'memory', input: newKey, call: (input) => memoryRuntime.guard(fullChain, [input], bare, self) },
  { name: '(b) full chain, replayed key', store: 'memory', input: sameKey, call: (input) => memoryRuntime.guard(fullChain, [input], bare, self) },
  { name: '(b) full chain, new key', store: 'redis', redis: true, input: newKey, call: (input) => redisRuntime.guard(fullChain, [input], bare, self) },
  { name: '(b) full chain, replayed key', store: 'redis', redis: true, input: sameKey, call: (input) => redisRuntime.guard(fullChain, [input], bare, self) },
];

// Sanity: every variant must actually succeed, or we would be timing denials.
for (const variant of variants) {
  const result = await variant.call(variant.input({ title: 'Hello', qty: 3, key: 'sanity' }));
  const data = result?.data ?? result;
  if (data?.saved !== 8) throw new Error(`${variant.name} (${variant.store}) did not run the body: ${JSON.stringify(result)}`);
}

// ---- Measure: each call timed on its own; rounds interleave the variants so machine noise hits all alike ---------
const samples = new Map(variants.map((variant) => [variant, []]));
const trips = new Map(variants.map((variant) => [variant, 0]));
for (let round = 0; round < ROUNDS; round++) {
  for (const variant of variants) {
    const count = Math.ceil((variant.redis ? REDIS_CALLS : CALLS) / ROUNDS);
    for (let warm = 0; warm < Math.min(count, 2_000); warm++) await variant.call(variant.input({ title: 'Hello', qty: 3, key: 'warm' }));
    const times = samples.get(variant);
    const tripsBefore = roundTrips;
    for (let index = 0; index < count; index++) {
      const input = variant.input({ title: 'Hello', qty: 3, key: 'x' });
      const start = process.hrtime.bigint();
      await variant.call(input);
      times.push(Number(process.hrtime.bigint() - start) / 1000);
    }
    trips.set(variant, trips.get(variant) + (roundTrips - tripsBefore));
  }
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const stats = new Map([...samples].map(([variant, times]) => {
  const sorted = [...times].sort((a, b) => a - b);
  return [variant, { p50: percentile(sorted, 50), p99: percentile(sorted, 99), count: sorted.length }];
}));
const bareP50 = stats.get(variants[0]).p50;
const nsaOverhead = stats.get(variants[3]).p50 - bareP50;

const rows = variants.map((variant) => {
  const { p50, p99, count } = stats.get(variant);
  const overhead = p50 - bareP50;
  return [
    variant.name,
    variant.store,
    String(count),
    p50.toFixed(2),
    p99.toFixed(2),
    variant === variants[0] ? '-' : overhead.toFixed(2),
    variant.name.startsWith('(a)') && variant !== variants[3] ? `${(overhead / nsaOverhead).toFixed(2)}×` : '',
    variant.redis ? (trips.get(variant) / count).toFixed(2) : '',
  ];
});
const header = ['variant', 'store', 'calls', 'p50 µs', 'p99 µs', 'overhead p50 µs', 'vs next-safe-action', 'Redis round trips/call'];
const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
const line = (cells) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
// The load average says how far to trust the numbers: on a shared machine other work shifts every percentile.
const loadAverage = loadavg().map((value) => value.toFixed(2)).join(' ');
console.log(`Runtime benchmark: node ${process.version}, ${CALLS} calls per memory variant, ${REDIS_CALLS} per Redis variant, ${ROUNDS} interleaved rounds, load average ${loadAverage}`);
console.log(line(header));
console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));

await redisClient.close();
redisProcess?.kill('SIGTERM');
process.exit(0);
