import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createActionClient, type ActionClient } from '../support/action-client.js';
import { WORKSPACE_ROOT, assertBuildSucceeded, buildNextApp, findActionId, readServerReferences, startNextServer, type NextServer } from '../support/next-app.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';
import { startUpstashRestServer, type UpstashRestServerHandle } from '../support/upstash-rest-server.js';

// An action on a page with `runtime = 'edge'`, rate-limited through upstashStore() (the real @upstash/redis client)
// against the local REST endpoint in front of a real redis-server: a real `next build` (Turbopack) and `next start`.
const appDir = join(WORKSPACE_ROOT, 'test/fixtures/edge-app');
let redis: RedisServerHandle;
let rest: UpstashRestServerHandle;
let server: NextServer;

beforeAll(async () => {
  redis = await startRedisServer();
  rest = await startUpstashRestServer({ redisPort: redis.port });
  const build = await buildNextApp({
    appDir,
    bundler: 'turbopack',
    cacheInputs: [join(WORKSPACE_ROOT, 'packages/runtime/dist'), join(WORKSPACE_ROOT, 'packages/next/dist'), join(WORKSPACE_ROOT, 'crates-free-js-transform/dist')],
  });
  assertBuildSucceeded(build, 'the Edge app');
  server = await startNextServer({
    appDir,
    env: { UPSTASH_REDIS_REST_URL: rest.url, UPSTASH_REDIS_REST_TOKEN: rest.token, ACTION_GUARD_PREFIX: `e2e-${crypto.randomUUID()}:` },
  });
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await rest?.stop();
  await redis?.stop();
});

test('the action is registered for the Edge runtime, and its rate limit holds through the Upstash store', async () => {
  const id = findActionId(appDir, 'app/actions.js', 'ping');
  expect(readServerReferences(appDir).find((entry) => entry.id === id)).toBeDefined();
  const edgeIds = Object.keys((await import(join(appDir, '.next/server/server-reference-manifest.json'), { with: { type: 'json' } })).default.edge ?? {});
  expect(edgeIds).toContain(id);

  const client = createActionClient(server.url, appDir);
  const before = rest.requests.total;
  const responses: Awaited<ReturnType<ActionClient["call"]>>[] = [];
  for (let call = 0; call < 4; call++) responses.push(await client.call(id, []));
  const results = responses.map((response) => response.result);
  const explain = () => `${JSON.stringify(responses.map(({ status, body, thrown }) => ({ status, body: body.slice(0, 300), thrown })))}\n${server.output().slice(-3000)}`;
  expect(results.slice(0, 3), explain()).toEqual([0, 1, 2].map(() => ({ runtime: 'edge' })));
  expect(results[3]).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
  // Every check went to the database over REST: one request per call (no idempotency here, so none after the body).
  expect(rest.requests.total - before).toBeGreaterThanOrEqual(4);
  expect(rest.requests.commands.some((command) => /^evalsha$/i.test(command[0]!) && command[3]!.includes('rl:'))).toBe(true);
  expect(server.output()).not.toMatch(/store-error/);
}, 60_000);
