import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DIAGNOSTICS, transform } from '@action-guard/transform';
import { describe, expect, test } from 'vitest';
import { BUILD_CHECKS, ConfigError, loadConfig, toTransformOptions } from '../src/index.js';
import { project } from './helpers.js';

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loadConfig', () => {
  test('without a file or options it returns strict defaults for every known check', async () => {
    const cwd = project();
    const config = await loadConfig({ cwd });
    expect(config).toMatchObject({ root: cwd, configFile: null, runtime: null, rules: {}, actionPaths: null });
    for (const diagnostic of DIAGNOSTICS) expect(config.checks[diagnostic.name]).toBe(diagnostic.defaultSeverity);
    for (const check of BUILD_CHECKS) expect(config.checks[check.name]).toBe(check.defaultSeverity);
    expect(config.manifest).toEqual({ requireSignature: false, failOnUnguarded: true, libraryActions: [] });
    expect(config.encryptionKey).toEqual({ missing: 'warn' });
  });

  test.each([
    ['action-guard.config.ts', `const rules: Record<string, { role: string[] }> = { 'app/admin/**': { role: ['admin'] } };\nexport default { runtime: './lib/guard', rules };\n`],
    ['action-guard.config.mts', `export default { runtime: './lib/guard', rules: { 'app/admin/**': { role: ['admin'] } } as const };\n`],
    ['action-guard.config.mjs', `export default { runtime: './lib/guard', rules: { 'app/admin/**': { role: ['admin'] } } };\n`],
    ['action-guard.config.js', `module.exports = { runtime: './lib/guard', rules: { 'app/admin/**': { role: ['admin'] } } };\n`],
    ['action-guard.config.json', JSON.stringify({ runtime: './lib/guard', rules: { 'app/admin/**': { role: ['admin'] } } })],
  ])('reads %s and resolves the runtime module to an absolute path', async (name, content) => {
    const cwd = project({ [name]: content, 'lib/guard.ts': 'export default {};\n' });
    const config = await loadConfig({ cwd });
    expect(config.configFile).toBe(path.join(cwd, name));
    expect(config.runtime).toBe(path.join(cwd, 'lib/guard.ts'));
    expect(config.rules).toEqual({ 'app/admin/**': { role: ['admin'] } });
  });

  test('merges inline options over the file, per key inside option groups', async () => {
    const cwd = project({
      'action-guard.config.json': JSON.stringify({
        rules: { 'app/admin/**': { role: 'admin' }, 'app/api/**': { requiresAuth: true } },
        checks: { 'inline-action': 'warn', 'missing-schema': 'warn' },
        actionPaths: ['app/**/actions.ts'],
      }),
    });
    const config = await loadConfig({
      cwd,
      inline: { rules: { 'app/admin/**': { role: ['root'] } }, checks: { 'missing-schema': 'error' }, actionPaths: null },
    });
    expect(config.rules).toEqual({ 'app/admin/**': { role: ['root'] }, 'app/api/**': { requiresAuth: true } });
    expect(config.checks['inline-action']).toBe('warn');
    expect(config.checks['missing-schema']).toBe('error');
    expect(config.actionPaths).toBeNull();
  });

  test('rejects an unknown top-level key, naming the file and listing the valid keys', async () => {
    const cwd = project({ 'action-guard.config.json': JSON.stringify({ rule: {} }) });
    const error = await configError(loadConfig({ cwd }));
    expect(error.code).toBe('AG201');
    expect(error.source).toBe(path.join(cwd, 'action-guard.config.json'));
    expect(error.message).toContain('rule: unknown key. Valid keys: runtime, rules, checks, actionPaths, secretSources, authFunctions, manifest, encryptionKey.');
  });

  test('rejects a misspelt check name instead of silently ignoring it', async () => {
    const cwd = project();
    const error = await configError(loadConfig({ cwd, inline: { checks: { 'missing-auth': 'off' } } }));
    expect(error.source).toBe('withActionGuard() options');
    expect(error.message).toContain('checks.missing-auth: unknown key. Valid keys: missing-auth-decision');
  });

  test('reports every problem of one file at once', async () => {
    const cwd = project({
      'action-guard.config.json': JSON.stringify({
        runtime: 42,
        rules: { 'app/admin/**': { role: [], rateLimit: 'lots', dedupe: 'key:', requireAuth: true, revalidates: 'path:invoices' } },
        checks: { 'missing-schema': 'fatal' },
        manifest: { requireSignature: 'yes' },
        encryptionKey: { missing: 'ignore' },
      }),
    });
    const error = await configError(loadConfig({ cwd }));
    expect(error.issues).toEqual([
      expect.stringContaining('runtime: expected a path'),
      expect.stringContaining('rules["app/admin/**"].requireAuth: unknown key. Valid keys: public, requiresAuth, role, dedupe, rateLimit, revalidates.'),
      expect.stringContaining('rules["app/admin/**"].role: expected a role name'),
      expect.stringContaining('rules["app/admin/**"].dedupe: expected "key:<field>"'),
      expect.stringContaining('rules["app/admin/**"].rateLimit: expected "<n>/<window>"'),
      expect.stringContaining('rules["app/admin/**"].revalidates: route "invoices" must start with "/"; write `@revalidates <target> …`'),
      expect.stringContaining('checks.missing-schema: expected one of "error", "warn", "off", got string "fatal".'),
      expect.stringContaining('manifest.requireSignature: expected true or false'),
      expect.stringContaining('encryptionKey.missing: expected one of'),
    ]);
  });

  test('accepts the tag argument syntax of rate limits and idempotency in rules', async () => {
    const cwd = project();
    const config = await loadConfig({
      cwd,
      inline: {
        rules: {
          'app/billing/**': { requiresAuth: true, rateLimit: '30/1m by:user', dedupe: 'key:idempotencyKey 24h' },
          'app/hooks/**': { public: 'webhooks verify their own signatures', rateLimit: '100/1h', dedupe: 'header:Idempotency-Key' },
          'app/invoices/**': { requiresAuth: true, revalidates: 'tag:invoices path:/invoices/[id] tag:invoice:{invoiceId} tag:posts max' },
        },
      },
    });
    expect(Object.keys(config.rules)).toEqual(['app/billing/**', 'app/hooks/**', 'app/invoices/**']);
  });

  test.each([
    ['dedupe', 'key:id 99999999999999999999h', '"99999999999999999999h" is not a ttl'],
    ['rateLimit', '99999999999999999999/1m', 'the limit must be a positive whole number'],
    ['rateLimit', '10/0m', '"0m" is not a window'],
    ['role', ['admin', 'bad role!'], '"role!" is not a role name'],
  ] as const)('a rule %s of %j, which the transform cannot parse, is a config error naming the file', async (key, value, reason) => {
    const cwd = project({ 'action-guard.config.json': JSON.stringify({ rules: { 'app/**': { requiresAuth: true, [key]: value } } }) });
    const error = await configError(loadConfig({ cwd }));
    expect(error.code).toBe('AG202');
    expect(error.source).toBe(path.join(cwd, 'action-guard.config.json'));
    expect(error.issues).toEqual([expect.stringContaining(`rules["app/**"].${key}: expected`)]);
    if (key !== 'role') expect(error.issues[0]).toContain(reason);
    // The same text is what the transform rejects (with a bare TypeError, which is why config must catch it first).
    expect(() => transform('"use server";\n', { filename: path.join(cwd, 'app/a.ts'), root: cwd, rules: { 'app/**': { requiresAuth: true, [key]: value } } })).toThrow(TypeError);
  });

  test('every rule value config accepts, the transform parses (they share one grammar)', async () => {
    const cwd = project();
    const rules = {
      'app/a/**': { requiresAuth: true, rateLimit: ' 30/1m by:user ', dedupe: ' key:idempotencyKey 24h' },
      'app/b/**': { role: ['admin', 'ops, billing'], rateLimit: '100/h', dedupe: 'input 7d' },
      'app/c/**': { public: 'webhooks', dedupe: 'header:Idempotency-Key', revalidates: ' tag:invoices path:/invoices/[id] ' },
    };
    const config = await loadConfig({ cwd, inline: { rules } });
    for (const glob of Object.keys(rules)) {
      const file = glob.replace('**', 'actions.ts');
      expect(() => transform('"use server";\n', toTransformOptions(config, file))).not.toThrow();
    }
  });

  test('passes secretSources to the transform, and rejects anything but an array of names', async () => {
    const cwd = project();
    const config = await loadConfig({ cwd, inline: { secretSources: ['getSecret', '@/lib/secrets'] } });
    expect(toTransformOptions(config, 'app/page.tsx').secretSources).toEqual(['getSecret', '@/lib/secrets']);
    expect('secretSources' in toTransformOptions(await loadConfig({ cwd }), 'app/page.tsx')).toBe(false);
    const error = await configError(loadConfig({ cwd, inline: { secretSources: 'getSecret' as never } }));
    expect(error.message).toContain('secretSources: expected an array of function names, module specifiers or imported names');
  });

  test('rejects a rule that is both public and requires a role', async () => {
    const cwd = project();
    const error = await configError(
      loadConfig({ cwd, inline: { rules: { 'app/**': { public: 'marketing pages', role: 'admin' } } } }),
    );
    expect(error.message).toContain('"public" contradicts "requiresAuth"/"role"');
  });

  test('fails closed when the runtime module does not exist', async () => {
    const cwd = project();
    const error = await configError(loadConfig({ cwd, inline: { runtime: './lib/missing' } }));
    expect(error.message).toContain('runtime: "./lib/missing" does not exist');
  });

  test('refuses two config files, because either could be the one the user edits', async () => {
    const cwd = project({ 'action-guard.config.ts': 'export default {};\n', 'action-guard.config.json': '{}' });
    const error = await configError(loadConfig({ cwd }));
    expect(error.code).toBe('AG203');
    expect(error.message).toContain('action-guard.config.ts, action-guard.config.json');
  });

  test('caches the transpiled config by content, and reads an edited config fresh', async () => {
    const cwd = project({ 'action-guard.config.ts': "const severity: string = 'off';\nexport default { checks: { 'unreferenced-action': severity } };\n" });
    expect((await loadConfig({ cwd })).checks['unreferenced-action']).toBe('off');
    const cacheDir = path.join(cwd, 'node_modules/.cache/jiti');
    expect(readdirSync(cacheDir)).toHaveLength(1);

    writeFileSync(path.join(cwd, 'action-guard.config.ts'), "const severity: string = 'error';\nexport default { checks: { 'unreferenced-action': severity } };\n");
    expect((await loadConfig({ cwd })).checks['unreferenced-action']).toBe('error');
  });

  test('reports a config file that throws while loading, with its path', async () => {
    const cwd = project({ 'action-guard.config.mjs': 'throw new Error("boom");\n' });
    const error = await configError(loadConfig({ cwd }));
    expect(error.code).toBe('AG203');
    expect(error.message).toContain(path.join(cwd, 'action-guard.config.mjs'));
    expect(error.message).toContain('boom');
  });

  test('keeps the manifest switches and the build checks consistent in both directions', async () => {
    const cwd = project();
    const fromAlias = await loadConfig({ cwd, inline: { manifest: { requireSignature: true }, encryptionKey: { missing: 'error' } } });
    expect(fromAlias.checks['missing-signing-key']).toBe('error');
    expect(fromAlias.checks['missing-encryption-key']).toBe('error');
    const fromChecks = await loadConfig({ cwd, inline: { checks: { 'unguarded-action': 'warn', 'missing-signing-key': 'error' } } });
    expect(fromChecks.manifest).toEqual({ requireSignature: true, failOnUnguarded: false, libraryActions: [] });
  });

  test('rejects a manifest switch that contradicts the same check', async () => {
    const cwd = project();
    const error = await configError(
      loadConfig({ cwd, inline: { manifest: { failOnUnguarded: true }, checks: { 'unguarded-action': 'warn' } } }),
    );
    expect(error.message).toContain('manifest.failOnUnguarded: true contradicts checks["unguarded-action"]: "warn"');
  });
});

describe('toTransformOptions', () => {
  test('imports the configured runtime through a relative specifier from the transformed file', async () => {
    const cwd = project({ 'lib/action-guard.ts': 'export default {};\n' });
    const config = await loadConfig({ cwd, inline: { runtime: 'lib/action-guard.ts' } });
    expect(toTransformOptions(config, path.join(cwd, 'app/posts/actions.ts')).runtimeImport).toBe('../../lib/action-guard.ts');
    expect(toTransformOptions(config, path.join(cwd, 'lib/actions.ts')).runtimeImport).toBe('./action-guard.ts');
  });

  test('falls back to the default runtime and passes only the transform its own checks', async () => {
    const cwd = project();
    const config = await loadConfig({ cwd, inline: { checks: { 'inline-action': 'warn' } } });
    const options = toTransformOptions(config, 'app/actions.ts');
    expect(options.runtimeImport).toBe('@action-guard/runtime/default');
    expect(options.filename).toBe(path.join(cwd, 'app/actions.ts'));
    expect(options.checks?.['inline-action']).toBe('warn');
    expect(Object.keys(options.checks ?? {}).sort()).toEqual(DIAGNOSTICS.map((d) => d.name).sort());
  });
});
