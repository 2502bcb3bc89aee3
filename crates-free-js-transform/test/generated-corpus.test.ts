import { parse } from '@babel/parser';
import type { Statement } from '@babel/types';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { transform } from '../src/index.js';
import { moduleArbitrary } from './support/generated-modules.js';
import { nextTransform } from './support/next-swc.js';

/** The names a module exports (what Next registers for a "use server" module). */
function exportedNames(code: string): string[] {
  const program = parse(code, { sourceType: 'module', plugins: ['typescript'] }).program;
  const names: string[] = [];
  for (const statement of program.body as Statement[]) {
    if (statement.type === 'ExportDefaultDeclaration') names.push('default');
    if (statement.type !== 'ExportNamedDeclaration' || statement.exportKind === 'type') continue;
    const declaration = statement.declaration;
    if (declaration?.type === 'FunctionDeclaration' && declaration.id) names.push(declaration.id.name);
    if (declaration?.type === 'VariableDeclaration') {
      for (const declarator of declaration.declarations) if (declarator.id.type === 'Identifier') names.push(declarator.id.name);
    }
    for (const specifier of statement.specifiers) {
      if (specifier.type === 'ExportSpecifier') {
        names.push(specifier.exported.type === 'Identifier' ? specifier.exported.name : specifier.exported.value);
      }
    }
  }
  return names.sort();
}

const options = { filename: 'app/generated/actions.ts', root: '/project' };

describe('generated "use server" modules', () => {
  test('never crash the transform, keep the export list, parse, and are idempotent', () => {
    fc.assert(
      fc.property(moduleArbitrary, (code) => {
        const result = transform(code, options);
        // Consumed schema exports are the only exports that may disappear (docs/reference.md §2).
        const consumed = result.actions
          .filter((action) => action.kind === 'export')
          .map((action) => `${action.exportName}Schema`);
        const expected = exportedNames(code).filter((name) => !consumed.includes(name));
        expect(exportedNames(result.code)).toEqual(expected);
        const again = transform(result.code, options);
        expect(again.code).toBe(result.code);
        // Every async export form Next accepts became an action record.
        for (const name of expected) {
          const isAction = new RegExp(`export (?:async function ${name}\\b|const ${name} = (?:async|wrap)|\\{ ${name}Local as ${name} \\})`).test(code);
          if (isAction) expect(result.actions.some((action) => action.exportName === name)).toBe(true);
        }
      }),
      { numRuns: 200, seed: 20261122 },
    );
  });

  test('a policy tag typo never yields a public action', () => {
    fc.assert(
      fc.property(fc.constantFrom('@requireAuth', '@requiresauth', '@roles admin', '@Role admin', '@requires', '@publik x'), (typo) => {
        const result = transform(`"use server";\n/** ${typo} */\nexport async function act() {}\n`, options);
        expect(result.actions[0]?.policy.auth).toBe('required');
        expect(result.diagnostics.some((diagnostic) => diagnostic.name === 'unknown-tag' && diagnostic.severity === 'error')).toBe(true);
      }),
    );
  });

  test("compile in Next's SWC to the same action IDs as the input (or fail the same way)", async () => {
    await fc.assert(
      fc.asyncProperty(moduleArbitrary, async (code) => {
        const result = transform(code, options);
        const consumed = new Set(result.actions.map((action) => `${action.exportName}Schema`));
        for (const layer of ['rsc', 'app-pages-browser'] as const) {
          const before = await nextTransform(code, '/project/app/generated/actions.ts', layer);
          const after = await nextTransform(result.code, '/project/app/generated/actions.ts', layer);
          expect(after.ok).toBe(before.ok);
          if (!before.ok || !after.ok) continue;
          const expected = [...before.actions].filter(([, name]) => !consumed.has(name));
          expect([...after.actions].sort()).toEqual(expected.sort());
        }
      }),
      { numRuns: 60, seed: 20261122 },
    );
  });
});
