import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { baselineEntriesFor, checkModule, transform } from '../src/index.js';
import { loadFixtures } from './support/fixtures.js';
import { moduleArbitrary } from './support/generated-modules.js';

const options = { filename: 'app/actions.ts', root: '/project' };

describe('checkModule', () => {
  test('reports the actions and diagnostics transform reports, for every fixture', () => {
    for (const fixture of loadFixtures()) {
      const checked = checkModule(fixture.code, fixture.options);
      const transformed = transform(fixture.code, fixture.options);
      expect(checked.actions, fixture.name).toEqual(transformed.actions);
      expect(checked.diagnostics, fixture.name).toEqual(transformed.diagnostics);
      expect(checked.sites.map((site) => site.ref), fixture.name).toEqual(transformed.actions.map((action) => action.ref));
    }
  });

  test('applies the baseline as transform does: a listed finding is a warning marked baselined, the others fail', () => {
    let baselined = 0;
    let failing = 0;
    for (const fixture of loadFixtures()) {
      const plain = transform(fixture.code, fixture.options);
      // Every other finding the build fails on is listed, so each fixture with two or more has both kinds.
      const baseline = baselineEntriesFor(plain.diagnostics, plain.actions).filter((_, index) => index % 2 === 0);
      const options = { ...fixture.options, baseline };
      const checked = checkModule(fixture.code, options);
      const transformed = transform(fixture.code, options);
      expect(checked.actions, fixture.name).toEqual(transformed.actions);
      expect(checked.diagnostics, fixture.name).toEqual(transformed.diagnostics);
      baselined += checked.diagnostics.filter((d) => d.baselined === true && d.severity === 'warning').length;
      failing += checked.diagnostics.filter((d) => d.severity === 'error').length;
    }
    expect(baselined).toBeGreaterThan(20);
    expect(failing).toBeGreaterThan(20);
  });

  test('reports what transform reports for generated modules', () => {
    fc.assert(
      fc.property(moduleArbitrary, (code) => {
        const checked = checkModule(code, options);
        const transformed = transform(code, options);
        expect(checked.actions).toEqual(transformed.actions);
        expect(checked.diagnostics).toEqual(transformed.diagnostics);
      }),
      { numRuns: 100, seed: 20261122 },
    );
  });

  test('locates the JSDoc block of each action, and where a new one would go', () => {
    const code = [
      '"use server";',
      "import { z } from 'zod';",
      'const noteSchema = z.string();',
      '/**',
      ' * Saves.',
      ' * @requiresAuth',
      ' */',
      'export async function save(note: string) {}',
      '// not a JSDoc block',
      'export const remove = async () => {};',
      'async function local() {}',
      'export { local as renamed };',
    ].join('\n');
    const result = checkModule(code, options);
    const [save, remove, renamed] = result.sites;
    expect(result.sites.map((site) => site.ref)).toEqual(['app/actions.ts#save', 'app/actions.ts#remove', 'app/actions.ts#renamed']);
    expect(code.slice(save!.docComment!.start, save!.docComment!.end)).toBe('/**\n * Saves.\n * @requiresAuth\n */');
    expect(code.slice(save!.docAnchor).startsWith('export async function save')).toBe(true);
    expect(remove!.docComment).toBeNull();
    expect(code.slice(remove!.docAnchor).startsWith('export const remove')).toBe(true);
    // A block above `export { … }` would apply to every name it exports, so the anchor is the declaration.
    expect(code.slice(renamed!.docAnchor).startsWith('async function local')).toBe(true);
    expect(result.moduleBindings.sort()).toEqual(['local', 'noteSchema', 'remove', 'save', 'z']);
  });

  test('does not parse a file without "use server"', () => {
    const result = checkModule('this is not JavaScript at all {', options);
    expect(result).toEqual({ actions: [], diagnostics: [], sites: [], moduleBindings: [] });
  });
});
