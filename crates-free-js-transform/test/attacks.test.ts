import { describe, expect, test } from 'vitest';
import { countServerDirectiveCandidates, SERVER_DIRECTIVE_PREFILTER } from '../src/analyze/directives.js';
import { transform } from '../src/index.js';
import { nextTransform } from './support/next-swc.js';

/** Attacks on the transform, written from the attacker's side (issue #14, part A). */
const options = { filename: 'app/actions.ts', root: '/project' };

describe('a reassigned export cannot run its new body without the guard', () => {
  const writes = [
    'a = async () => "unguarded";',
    'var a = async () => "unguarded";',
    'a += "";',
    'a++;',
    '[a] = [async () => "unguarded"];',
    '({ a } = { a: async () => "unguarded" });',
    '({ x: a } = { x: async () => "unguarded" });',
    '[...a] = [];',
    'for (a of [async () => "unguarded"]);',
    'for (a in {});',
    'function swap() { a = async () => "unguarded"; } swap();',
    'const swap = () => { if (true) { a = async () => "unguarded"; } }; swap();',
    'class K { static { a = async () => "unguarded"; } }',
    'try {} catch { a = async () => "unguarded"; }',
    'eval("a = async () => 1");',
    '(a as any) = async () => "unguarded";',
  ];
  const declarations = [
    'export async function a() { return "guarded"; }',
    'export let a = async () => "guarded";',
    'export var a = async () => "guarded";',
    'let a = async () => "guarded"; export { a };',
    'let a = async () => "guarded"; export { a as b };',
    'export let a;',
    'async function a() { return "guarded"; } export default a;',
  ];
  for (const declaration of declarations) {
    for (const write of writes) {
      test(`${declaration} then ${write}`, () => {
        const code = `"use server";\n/** @requiresAuth */\n${declaration}\n${write}\n`;
        const result = transform(code, options);
        expect(result.actions.filter((action) => action.guarded)).toEqual([]);
        // unguardable-action, or unparseable-module where the write is a redeclaration JavaScript itself rejects.
        const errors = result.diagnostics.filter((d) => d.severity === 'error' && (d.name === 'unguardable-action' || d.name === 'unparseable-module'));
        expect(errors.length).toBeGreaterThan(0);
      });
    }
  }

  test('a write to another variable of the same name (a parameter, a block binding) leaves the export guarded', () => {
    for (const write of ['function f(a) { a = 1; }', '{ let a; a = 1; }', 'try {} catch (a) { a = 1; }', 'const f = (a = 1) => { a++; };']) {
      const code = `"use server";\n/** @requiresAuth */\nexport async function a() { return 1; }\n${write}\n`;
      const result = transform(code, options);
      expect(result.actions.map((action) => action.guarded), write).toEqual([true]);
    }
  });
});

describe('a file that contains the marker text is still guarded, and its hand-written metadata never becomes a record', () => {
  const forgedMeta =
    'const $$ag_meta_0 = { ref: "app/actions.ts#transfer", file: "app/actions.ts", exportName: "transfer", kind: "export", inlineIndex: null, line: 3, column: 0, policy: {"auth":"public","publicReason":"forged","roles":[],"authorize":null,"schema":null,"dedupe":null,"rateLimit":null,"fromRules":[]}, schema: null, authorize: null };';
  const header = 'import $$ag_runtime from "./fake-runtime" /* @action-guard/transform:guarded */;';

  test('a copy of our header and a forged wrapper are transformed like any source', () => {
    const code = [
      `"use server"; ${header} ${forgedMeta}`,
      '/** @requiresAuth @role admin */',
      'export async function transfer() { return $$ag_runtime.guard($$ag_meta_0, [], async function () { return "moved"; }, transfer); }',
      '',
    ].join('\n');
    const result = transform(code, options);
    expect(result.changed).toBe(true);
    expect(result.actions).toHaveLength(1);
    expect(result.actions[0]).toMatchObject({ exportName: 'transfer', guarded: true, policy: { auth: 'required', roles: ['admin'], publicReason: null } });
    // Our guard (with a prefix the file does not use) now runs before the hand-written one.
    expect(result.code).toContain('$$ag1_runtime.guard($$ag1_meta_0');
  });

  test('an exact copy of our output with one export added by hand is not taken for our output', () => {
    const source = '"use server";\n/** @requiresAuth */\nexport async function a() { return 1; }\n';
    const ours = transform(source, options).code;
    const tampered = `${ours}export async function b() { return "unguarded"; }\n`;
    const result = transform(tampered, options);
    expect(result.changed).toBe(true);
    expect(result.actions.find((action) => action.exportName === 'b')).toMatchObject({ guarded: true });
  });

  test('our own output with its metadata edited by hand is not taken for our output', () => {
    const source = '"use server";\n/** @requiresAuth */\nexport async function a() { return 1; }\n';
    const ours = transform(source, options).code;
    const tampered = ours.replace('"auth":"required"', '"auth":"public"');
    expect(tampered).not.toBe(ours);
    const result = transform(tampered, options);
    expect(result.changed).toBe(true);
    expect(result.actions.every((action) => action.policy.auth === 'required')).toBe(true);
  });

  test('our own output is returned unchanged with the records of its source', () => {
    const source = '"use server";\n/** @requiresAuth */\nexport async function a(x: string) { return x; }\n';
    const first = transform(source, options);
    const second = transform(first.code, options);
    expect(second.changed).toBe(false);
    expect(second.code).toBe(first.code);
    expect(second.actions).toEqual(first.actions);
  });
});

describe('server modules Next sees are found however the directive is spelt', () => {
  const spellings = [
    "'use\\x20server'",
    "'\\u0075se server'",
    "'use\\u{20}server'",
    "'\\u{0000075}se server'",
    "'us\\e server'",
    "'use \\\nserver'",
    "\"use\\u0020\\u0073erver\"",
  ];
  for (const spelling of spellings) {
    test(`${JSON.stringify(spelling)}: Next registers the export, and the transform guards it`, async () => {
      const code = `${spelling};\n/** @requiresAuth */\nexport async function a() { return 1; }\n`;
      const next = await nextTransform(code, '/project/app/actions.ts', 'rsc');
      expect(next.ok && [...next.actions.values()]).toEqual(['a']);
      expect(SERVER_DIRECTIVE_PREFILTER.test(code)).toBe(true);
      expect(countServerDirectiveCandidates(code)).toBe(1);
      const result = transform(code, options);
      expect(result.actions).toMatchObject([{ exportName: 'a', guarded: true }]);
      const after = await nextTransform(result.code, '/project/app/actions.ts', 'rsc');
      expect(after.ok && next.ok && [...after.actions]).toEqual(next.ok && [...next.actions]);
    });
  }

  test('type-only imports before the directive: Next (webpack) registers the module, and the transform guards it', async () => {
    const code = "import type { U } from './u';\nimport { type V } from './v';\n'use server';\n/** @requiresAuth @schema s */\nexport async function a(u: U, v: V) { return [u, v]; }\nconst s = {};\n";
    const next = await nextTransform(code, '/project/app/actions.ts', 'rsc');
    expect(next.ok && [...next.actions.values()]).toEqual(['a']);
    const result = transform(code, options);
    expect(result.actions).toMatchObject([{ exportName: 'a', guarded: true }]);
    const after = await nextTransform(result.code, '/project/app/actions.ts', 'rsc');
    expect(after.ok && next.ok && [...after.actions]).toEqual(next.ok && [...next.actions]);
  });

  test('the pre-filter keeps ordinary files out', () => {
    expect(SERVER_DIRECTIVE_PREFILTER.test("const a = 'user';\nconst b = \"\\n\";\nexport const c = 'server';\n")).toBe(false);
    expect(SERVER_DIRECTIVE_PREFILTER.test("const a = 'cache';\nconst b = 'use';\nconst c = 'use caches';\n")).toBe(false);
  });

  // With cacheComponents on, Next registers every "use cache" function as a server reference callable by ID, in
  // files without any "use server": the pre-filter (the loader's and Turbopack's content condition) must let them in.
  const cacheSpellings = ["'use cache'", '"use cache"', "'use cache: remote'", "'use\\x20cache'", "'\\u0075se cache'", "'use c\\ache'", "'use \\\ncache'"];
  for (const spelling of cacheSpellings) {
    test(`${JSON.stringify(spelling)} in a component: Next registers the cache function, and the transform guards it`, async () => {
      const code = `export default async function Page() {\n  /** @public Same for everyone. */\n  async function load() { ${spelling}; return 1; }\n  return load();\n}\n`;
      const config = { bundler: 'turbopack', isCacheComponents: true, useCacheEnabled: true } as const;
      const next = await nextTransform(code, '/project/app/page.tsx', 'rsc', undefined, config);
      expect(next.ok && [...next.actions.values()]).toEqual(['$$RSC_SERVER_CACHE_0']);
      expect(SERVER_DIRECTIVE_PREFILTER.test(code)).toBe(true);
      expect(countServerDirectiveCandidates(code)).toBe(1);
      const result = transform(code, { ...options, filename: 'app/page.tsx' });
      expect(result.actions).toMatchObject([{ kind: 'cache', inlineIndex: 0, guarded: true }]);
      expect(result.code).toContain('guardCache(');
      const after = await nextTransform(result.code, '/project/app/page.tsx', 'rsc', undefined, config);
      expect(after.ok && next.ok && [...after.actions]).toEqual(next.ok && [...next.actions]);
    });
  }

  test('exports Next registers though they are not function syntax are guarded: new Function, class expressions', () => {
    for (const init of ["new Function('return 1')", 'class {}', 'await Promise.resolve(() => 1)']) {
      const code = `"use server";\n/** @requiresAuth @schema s */\nexport const a = ${init};\nconst s = {};\n`;
      expect(transform(code, options).actions, init).toMatchObject([{ exportName: 'a', guarded: true }]);
    }
  });
});
