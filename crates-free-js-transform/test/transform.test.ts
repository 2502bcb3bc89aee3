import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import { describe, expect, test } from 'vitest';
import { DIAGNOSTICS, TransformOptionsError, formatDiagnostic, transform } from '../src/index.js';

const options = { filename: 'app/actions.ts', root: '/project' };

describe('pass-through', () => {
  test('returns a file without "use server" untouched, with no map', () => {
    const code = 'export const x = 1;\n';
    expect(transform(code, options)).toEqual({ code, map: null, changed: false, actions: [], diagnostics: [] });
  });

  test('leaves a module whose only "use server" is a plain string alone', () => {
    const code = 'export const label = "use server";\n';
    const result = transform(code, options);
    expect(result.changed).toBe(false);
    expect(result.code).toBe(code);
  });
});

describe('source maps', () => {
  const input = [
    '"use server";',
    '',
    '/** @requiresAuth @schema saveInput */',
    'export async function save(title: string) {',
    '  return title.trim();',
    '}',
    '',
    'const saveInput = {};',
    '',
  ].join('\n');

  test('point each line, each statement start and each edited spot back to where it was in the input', () => {
    const result = transform(input, options);
    const map = new TraceMap(result.map as never);
    const lines = result.code.split('\n');
    const locate = (needle: string) => {
      const line = lines.findIndex((text) => text.includes(needle));
      return originalPositionFor(map, { line: line + 1, column: lines[line]!.indexOf(needle) });
    };
    expect(locate('async function (title')).toMatchObject({ line: 4, column: 7 });
    expect(locate('return title.trim()')).toMatchObject({ line: 5, column: 2 });
    expect(locate('const saveInput')).toMatchObject({ line: 8, column: 0 });
    expect(result.map?.sourcesContent).toEqual([input]);
  });

  test('keep line numbers: injected code never adds a line', () => {
    const result = transform(input, options);
    expect(result.code.split('\n')).toHaveLength(input.split('\n').length);
    expect(result.code.split('\n')[4]).toBe('  return title.trim();');
  });

  test('are left out when sourceMaps is false', () => {
    expect(transform(input, { ...options, sourceMaps: false }).map).toBeNull();
  });
});

describe('options are validated strictly', () => {
  test('an unknown option is an error that lists the valid ones', () => {
    expect(() => transform('', { ...options, rule: {} } as never)).toThrow(
      /unknown option key "rule"; valid keys are: filename, root, runtimeImport, rules, checks, actionPaths, sourceMaps/,
    );
  });

  test('an unknown check name is an error that lists the checks', () => {
    expect(() => transform('', { ...options, checks: { 'missing-auth': 'off' } as never })).toThrow(TransformOptionsError);
    expect(() => transform('', { ...options, checks: { 'missing-auth': 'off' } as never })).toThrow(/missing-auth-decision/);
  });

  test('a severity other than error, warn or off is an error', () => {
    expect(() => transform('', { ...options, checks: { 'missing-schema': 'warning' as never } })).toThrow(/use one of error, warn, off/);
  });

  test('a directory rule with a malformed rate limit is a configuration error, not a diagnostic', () => {
    expect(() => transform('', { ...options, rules: { 'app/**': { rateLimit: 'lots' } } })).toThrow(/rule "app\/\*\*" has an invalid `rateLimit`/);
  });

  test('a directory rule that is both public and authenticated is rejected', () => {
    expect(() => transform('', { ...options, rules: { 'app/**': { public: 'x', role: 'admin' } } })).toThrow(/both public and requires auth/);
  });

  test('an unknown key inside a rule is rejected with the valid keys', () => {
    expect(() => transform('', { ...options, rules: { 'app/**': { roles: ['admin'] } as never } })).toThrow(
      /unknown rule "app\/\*\*" key "roles"; valid keys are: public, requiresAuth, role, dedupe, rateLimit/,
    );
  });
});

describe('the diagnostics registry', () => {
  test('has unique AG1xx codes and kebab-case names', () => {
    expect(new Set(DIAGNOSTICS.map((d) => d.code)).size).toBe(DIAGNOSTICS.length);
    for (const definition of DIAGNOSTICS) {
      expect(definition.code).toMatch(/^AG1\d\d$/);
      expect(definition.name).toMatch(/^[a-z]+(?:-[a-z]+)*$/);
    }
  });

  test('prints file:line:col, severity, code, name, the frame, the fix and the docs link', () => {
    const [diagnostic] = transform('"use server";\nexport async function f() {}\n', options).diagnostics;
    expect(formatDiagnostic(diagnostic!)).toBe(
      [
        'app/actions.ts:2:8 error AG101 missing-auth-decision: action "f" has no auth decision',
        '  1 | "use server";',
        '> 2 | export async function f() {}',
        '    |        ^',
        '  3 |',
        'fix: add `@requiresAuth`, `@role <name>`, `@authorize <fn>` or `@public <reason>` to the JSDoc block above it, or a directory rule',
        'docs: https://github.com/action-guard/action-guard/blob/main/docs/diagnostics.md#missing-auth-decision',
      ].join('\n'),
    );
  });
});

describe('refs', () => {
  test('of inline actions survive reordering other actions', () => {
    const first = [
      'export function Page() {',
      '  /** @requiresAuth */ async function save() { "use server"; }',
      '  /** @requiresAuth */ async function remove() { "use server"; }',
      '  return [save, remove];',
      '}',
    ].join('\n');
    const reordered = first.replace(/(.*save.*)\n(.*remove.*)/, '$2\n$1');
    const refs = (code: string) => transform(code, { ...options, filename: 'app/page.tsx' }).actions.map((a) => a.ref).sort();
    expect(refs(reordered)).toEqual(refs(first));
    expect(refs(first)).toEqual(['app/page.tsx#Page/remove', 'app/page.tsx#Page/save']);
  });
});

describe('idempotence', () => {
  test('a mention of the marker outside the injected import does not stop the transform', () => {
    const code = '"use server";\n// @action-guard/transform:guarded\n/** @requiresAuth */\nexport async function f() {}\n';
    const result = transform(code, options);
    expect(result.changed).toBe(true);
    expect(result.actions.map((action) => action.guarded)).toEqual([true]);
  });
});

describe('inline refs never collide with export refs', () => {
  test('a top-level inline action named like an export gets a suffix', () => {
    const code = [
      '"use server";',
      '/** @requiresAuth */ async function run() { "use server"; }',
      '/** @requiresAuth */ async function go() { return run(); }',
      'export { go as run };',
    ].join('\n');
    expect(transform(code, options).actions.map((action) => action.ref).sort()).toEqual(['app/actions.ts#run', 'app/actions.ts#run#2']);
  });
});

describe('inline refs name components wrapped in a call', () => {
  test('memo(() => …) held by a const gives the component its binding name', () => {
    const code = [
      'export const Page = memo(() => {',
      '  /** @requiresAuth */ async function save() { "use server"; }',
      '  return save;',
      '});',
    ].join('\n');
    expect(transform(code, { ...options, filename: 'app/page.tsx' }).actions.map((action) => action.ref)).toEqual(['app/page.tsx#Page/save']);
  });
});
