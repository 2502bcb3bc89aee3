import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { configTransform } from '../src/config-transform.js';
import { ConfigError, loadConfig } from '../src/index.js';
import { project } from './helpers.js';

// Its own test file: whether jiti's Babel transform was loaded is visible in this process's require cache.
const require = createRequire(import.meta.url);
const JITI_BABEL = path.join(path.dirname(require.resolve('jiti/package.json')), 'dist/babel.cjs');

describe('loading a TypeScript config', () => {
  test('strips types and follows TypeScript imports without loading Babel', async () => {
    const cwd = project({
      'action-guard.config.ts': [
        "import type { Options } from '@action-guard/config';",
        "import { ADMIN, Area } from './lib/roles';",
        'export default {',
        "  runtime: './lib/guard.ts',",
        '  rules: { [`app/${Area.Admin}/**`]: { role: [ADMIN] as string[] } },',
        '} satisfies Options;',
      ].join('\n'),
      'lib/roles.ts': "export const ADMIN: string = 'admin';\nexport enum Area { Admin = 'admin' }\n",
      'lib/guard.ts': 'export default {};\n',
    });
    const config = await loadConfig({ cwd });
    expect(config.rules).toEqual({ 'app/admin/**': { role: ['admin'] } });
    expect(require.cache[JITI_BABEL]).toBeUndefined();
  });

  test('hands a file using import.meta and top-level await to Babel, and it loads', async () => {
    const cwd = project({
      'action-guard.config.mts': [
        "import path from 'node:path';",
        "import { fileURLToPath } from 'node:url';",
        'const here: string = path.dirname(fileURLToPath(import.meta.url));',
        "const roles = await Promise.resolve(['admin']);",
        "export default { runtime: path.join(here, 'lib/guard.ts'), rules: { 'app/admin/**': { role: roles } } };",
      ].join('\n'),
      'lib/guard.ts': 'export default {};\n',
    });
    const config = await loadConfig({ cwd });
    expect(config.runtime).toBe(path.join(cwd, 'lib/guard.ts'));
    expect(config.rules).toEqual({ 'app/admin/**': { role: ['admin'] } });
  });

  test('still reports a syntax error in the config as AG203 with the file', async () => {
    const cwd = project({ 'action-guard.config.ts': 'export default { rules: { ;\n' });
    const error = await loadConfig({ cwd }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('AG203');
    expect(String((error as ConfigError).message)).toContain('action-guard.config.ts');
  });

  test('produces CommonJS that jiti can run, with types gone', () => {
    const { code } = configTransform({ source: 'const n: number = 1;\nexport default n;\n', filename: 'x.ts', ts: true });
    expect(code).not.toContain(': number');
    expect(code).toContain('exports');
  });
});
