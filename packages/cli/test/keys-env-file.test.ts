import { describe, expect, test } from 'vitest';
import { memoryContext, run } from './helpers.js';

describe('keys check reads the key where next build does', () => {
  test('the key that keys generate --env-file .env just wrote is checked', async () => {
    const { ctx } = memoryContext({ '/project/package.json': '{}' });
    expect((await run(['keys', 'generate', '--env-file', '.env'], ctx)).code).toBe(0);
    const checked = await run(['keys', 'check', '--format', 'json'], ctx);
    expect(checked.code).toBe(0);
    expect(JSON.parse(checked.stdout)).toMatchObject({ ok: true, keySource: '.env' });
  });

  test('the environment wins over the files, and .env.production.local over .env', async () => {
    const good = 'A'.repeat(43) + '=';
    const { ctx } = memoryContext({ '/project/.env': 'NEXT_SERVER_ACTIONS_ENCRYPTION_KEY=bad\n', '/project/.env.production.local': `NEXT_SERVER_ACTIONS_ENCRYPTION_KEY=${good}\n` });
    expect(JSON.parse((await run(['keys', 'check', '--format', 'json'], ctx)).stdout)).toMatchObject({ ok: true, keySource: '.env.production.local' });
    const fromEnv = await run(['keys', 'check', '--format', 'json'], { ...ctx, env: { NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: 'bad' } });
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({ ok: false, keySource: 'environment' });
    const none = memoryContext({});
    expect(JSON.parse((await run(['keys', 'check', '--format', 'json'], none.ctx)).stdout)).toMatchObject({ ok: false, keySource: null });
  });
});
