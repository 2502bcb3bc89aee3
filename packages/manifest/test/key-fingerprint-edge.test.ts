import { existsSync, readFileSync } from 'node:fs';
import { EdgeVM } from '@edge-runtime/vm';
import { beforeAll, describe, expect, test } from 'vitest';
import { generateEncryptionKey } from '../src/encryption-key.js';
import { fingerprintEncryptionKey } from '../src/key-fingerprint.js';

// The runtime imports `@action-guard/manifest/key-fingerprint` in Edge middleware and Edge routes. This runs the
// built CommonJS file of that subpath inside the Edge runtime's sandbox (no require, no process, no Buffer) and
// checks it gives the same fingerprint as Node.
const BUILT = new URL('../dist/key-fingerprint.cjs', import.meta.url);

beforeAll(() => {
  if (!existsSync(BUILT)) throw new Error(`${BUILT.pathname} is missing: build the package first (npx -y pnpm@10 --filter @action-guard/manifest build)`);
});

describe('the key-fingerprint subpath in the Edge runtime', () => {
  test('loads without Node built-ins and computes the same fingerprint as Node', async () => {
    const vm = new EdgeVM();
    expect(vm.evaluate('typeof require + typeof process + typeof Buffer')).toBe('undefinedundefinedundefined');
    vm.evaluate(`var module = { exports: {} }; var exports = module.exports;\n${readFileSync(BUILT, 'utf8')}\nglobalThis.__fp = module.exports;`);
    const key = generateEncryptionKey();
    const inEdge = await vm.evaluate<Promise<string>>(`__fp.fingerprintEncryptionKey(${JSON.stringify(key)})`);
    expect(inEdge).toBe(await fingerprintEncryptionKey(key));
  });
});
