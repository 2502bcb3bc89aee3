import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig, loadConfigSync } from '../src/index.js';
import { project } from './helpers.js';

describe('loadConfigSync', () => {
  test.each([
    ['action-guard.config.ts', `const rules: Record<string, { role: string[] }> = { 'app/admin/**': { role: ['admin'] } };\nexport default { runtime: './lib/guard', rules };\n`],
    ['action-guard.config.mts', `export default { runtime: './lib/guard', rules: { 'app/admin/**': { role: ['admin'] } } as const };\n`],
    ['action-guard.config.mjs', `export default { runtime: './lib/guard', rules: { 'app/admin/**': { role: ['admin'] } } };\n`],
    ['action-guard.config.js', `module.exports = { runtime: './lib/guard', rules: { 'app/admin/**': { role: ['admin'] } } };\n`],
    ['action-guard.config.json', JSON.stringify({ runtime: './lib/guard', rules: { 'app/admin/**': { role: ['admin'] } } })],
  ])('reads %s exactly as loadConfig does', async (name, content) => {
    const cwd = project({ [name]: content, 'lib/guard.ts': 'export default {};\n' });
    const config = loadConfigSync({ cwd });
    expect(config).toEqual(await loadConfig({ cwd }));
    expect(config.configFile).toBe(path.join(cwd, name));
    expect(config.rules).toEqual({ 'app/admin/**': { role: ['admin'] } });
  });

  test('reads an edited file fresh', () => {
    const cwd = project({ 'action-guard.config.ts': `export default { checks: { 'inline-action': 'warn' } };\n` });
    expect(loadConfigSync({ cwd }).checks['inline-action']).toBe('warn');
    writeFileSync(path.join(cwd, 'action-guard.config.ts'), `export default { checks: { 'inline-action': 'error' } };\n`);
    expect(loadConfigSync({ cwd }).checks['inline-action']).toBe('error');
  });

  test('throws the same ConfigError for an invalid file', () => {
    const cwd = project({ 'action-guard.config.ts': `export default { rule: {} };\n` });
    expect(() => loadConfigSync({ cwd })).toThrow(ConfigError);
    expect(() => loadConfigSync({ cwd })).toThrow(/AG201|unknown/);
  });

  test('a file that cannot be evaluated is AG203 naming the file', () => {
    const cwd = project({ 'action-guard.config.ts': `throw new Error('boom');\nexport default {};\n` });
    let caught: unknown;
    try {
      loadConfigSync({ cwd });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).code).toBe('AG203');
    expect((caught as Error).message).toContain('action-guard.config.ts');
    expect((caught as Error).message).toContain('boom');
  });
});
