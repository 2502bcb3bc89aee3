import { createClient } from 'redis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../../test/support/redis-server.js';

let server: RedisServerHandle;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

test('the redis-server helper starts a server that answers, and restarts it empty on the same port', async () => {
  const client = createClient({ url: server.url });
  client.on('error', () => {});
  await client.connect();
  await client.set('k', 'v');
  expect(await client.get('k')).toBe('v');
  await client.close();

  await server.restart();
  const again = createClient({ url: server.url });
  again.on('error', () => {});
  await again.connect();
  expect(await again.get('k')).toBeNull();
  await again.close();
});
