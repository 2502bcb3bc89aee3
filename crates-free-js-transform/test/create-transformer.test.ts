import { describe, expect, test } from 'vitest';
import { checkModule, createChecker, createTransformer, transform, TransformOptionsError, type TransformerOptions } from '../src/index.js';
import { loadFixtures } from './support/fixtures.js';

/** Fixtures that share a config (every option but the file name), keyed by those options as JSON. */
function fixturesByOptions(): Map<string, ReturnType<typeof loadFixtures>> {
  const groups = new Map<string, ReturnType<typeof loadFixtures>>();
  for (const fixture of loadFixtures()) {
    const { filename: _file, ...rest } = fixture.options;
    const key = JSON.stringify(rest);
    groups.set(key, [...(groups.get(key) ?? []), fixture]);
  }
  return groups;
}

describe('createTransformer', () => {
  test('gives every fixture the result transform() gives it, with the options resolved once for all files', () => {
    // One transformer per group of fixtures sharing a config, used for every file of the group.
    const groups = fixturesByOptions();
    expect([...groups.values()].some((group) => group.length > 1)).toBe(true);
    for (const [key, group] of groups) {
      const transformFile = createTransformer(JSON.parse(key) as TransformerOptions);
      for (const fixture of group) {
        expect(transformFile(fixture.code, fixture.options.filename), fixture.name).toEqual(transform(fixture.code, fixture.options));
      }
    }
  });

  test('rejects bad options when it is made, before any file', () => {
    expect(() => createTransformer({ rules: { 'app/**': { rateLimit: 'lots' } } })).toThrow(/rule "app\/\*\*" has an invalid `rateLimit`/);
    expect(() => createTransformer({ checks: { nope: 'off' } as never })).toThrow(TransformOptionsError);
    expect(() => createTransformer({ filename: 'app/a.ts' } as never)).toThrow(/unknown option key "filename"/);
  });

  test('asks a runtime-import function per file, and applies each rule only to the files it matches', () => {
    const asked: string[] = [];
    const transformFile = createTransformer({
      root: '/project',
      runtimeImport: (filename) => (asked.push(filename), filename.startsWith('/project/app/admin/') ? '../../lib/guard' : '../lib/guard'),
      rules: { 'app/admin/**': { role: 'admin' } },
    });
    const code = '"use server";\n/** @requiresAuth @schema S */\nexport async function save(input) {}\nconst S = {};\n';
    const admin = transformFile(code, 'app/admin/actions.ts');
    const other = transformFile(code, '/project/app/actions.ts');
    expect(asked).toEqual(['/project/app/admin/actions.ts', '/project/app/actions.ts']);
    expect(admin.code).toContain('"../../lib/guard"');
    expect(other.code).toContain('"../lib/guard"');
    expect(admin.actions[0]!.policy.roles).toEqual(['admin']);
    expect(other.actions[0]!.policy.roles).toEqual([]);
  });
});

describe('createChecker', () => {
  test('gives every fixture the result checkModule() gives it, with the options resolved once for all files', () => {
    const groups = fixturesByOptions();
    let checked = 0;
    for (const [key, group] of groups) {
      const checkFile = createChecker(JSON.parse(key) as TransformerOptions);
      for (const fixture of group) {
        expect(checkFile(fixture.code, fixture.options.filename), fixture.name).toEqual(checkModule(fixture.code, fixture.options));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  test('rejects bad options when it is made, before any file', () => {
    expect(() => createChecker({ rules: { 'app/**': { dedupe: 'key:id 99999999999999999999h' } } })).toThrow(TransformOptionsError);
    expect(() => createChecker({ filename: 'app/a.ts' } as never)).toThrow(/unknown option key "filename"/);
  });
});
