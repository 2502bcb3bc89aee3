import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { transform } from '../src/index.js';
import { loadFixtures, transformFixture, type Fixture } from './support/fixtures.js';
import { nextTransform, type Layer } from './support/next-swc.js';

/**
 * Next's own SWC server-actions transform is the oracle: whatever it made of the input, it must make the same of
 * our output — the same action IDs (so the same export names, the same argument masks and the same inline
 * numbering), on every layer — and our inline indices must be the numbers Next gives.
 */
const fixtures = loadFixtures().filter((fixture) => !fixture.expectsError);

function layersFor(fixture: Fixture): Layer[] {
  const isServerModule = /^(?:\s*(?:\/\/[^\n]*\n|\/\*[\s\S]*?\*\/|(['"])use strict\1;?))*\s*(['"])use server\2/.test(fixture.code);
  // A module without a file directive is a server component: only server layers see its inline actions.
  return isServerModule ? ['rsc', 'ssr', 'app-pages-browser'] : ['rsc'];
}

/** Maps each `$$RSC_SERVER_ACTION_<n>` Next hoisted to the ref in the guard metadata its body uses. */
function hoistedRefs(rscCode: string): Map<number, string> {
  const metaRefs = new Map<string, string>();
  for (const match of rscCode.matchAll(/const (\$\$ag\d*_meta_\d+) = \{\s*ref: "([^"]+)"/g)) metaRefs.set(match[1]!, match[2]!);
  const refs = new Map<number, string>();
  // SWC may print a JSDoc block between the name and `=`.
  for (const match of rscCode.matchAll(/\$\$RSC_SERVER_ACTION_(\d+)\s*(?:\/\*[\s\S]*?\*\/\s*)*=\s*async/g)) {
    // The hoisted function's text runs until Next's next statement about it.
    const rest = rscCode.slice(match.index);
    const end = Math.min(...['registerServerReference(', 'Object["defineProperty"]'].map((marker) => {
      const at = rest.indexOf(marker);
      return at === -1 ? rest.length : at;
    }));
    const meta = /\$\$ag\d*_meta_\d+/.exec(rest.slice(0, end));
    if (meta !== null) refs.set(Number(match[1]), metaRefs.get(meta[0])!);
  }
  return refs;
}

/** The messages of Next's SWC errors (`  x Server Actions cannot use \`this\`.`), without code frames. */
function nextErrors(error: string): string[] {
  return error.split('\n').filter((line) => /^\s*x /.test(line)).map((line) => line.trim());
}

describe('where Next rejects the input of an expected-failure fixture, it rejects our output the same way', () => {
  for (const fixture of loadFixtures().filter((candidate) => candidate.expectsError && candidate.name !== 'error.unparseable-module')) {
    test(fixture.name, async () => {
      const result = transformFixture(fixture);
      const filename = `/project/${fixture.options.filename}`;
      for (const layer of layersFor(fixture)) {
        const before = await nextTransform(fixture.code, filename, layer);
        const after = await nextTransform(result.code, filename, layer);
        expect(after.ok, layer).toBe(before.ok);
        if (!before.ok && !after.ok) expect(nextErrors(after.error)).toEqual(nextErrors(before.error));
      }
    });
  }
});

describe("Next's SWC server-actions transform accepts our output", () => {
  for (const fixture of fixtures) {
    test(`${fixture.name}: same result as for the input on ${layersFor(fixture).join(', ')}`, async () => {
      const result = transformFixture(fixture);
      const filename = `/project/${fixture.options.filename}`;
      for (const layer of layersFor(fixture)) {
        const before = await nextTransform(fixture.code, filename, layer);
        const after = await nextTransform(result.code, filename, layer);
        if (!before.ok) {
          // Forms Next rejects are left alone, so Next's own errors must all still appear.
          expect(after.ok, `${layer}: Next accepted output of input it rejects`).toBe(false);
          if (!after.ok) expect(nextErrors(after.error)).toEqual(nextErrors(before.error));
          continue;
        }
        expect(after.ok ? '' : after.error, `${layer}: Next rejected our output`).toBe('');
        if (!after.ok) continue;
        // Consumed schema exports leave the export list on purpose (docs/reference.md §2); everything else stays, same IDs.
        const localised = new Set(
          [...before.actions.values()].filter(
            (name) => !/^\$\$RSC_SERVER_(?:ACTION|CACHE)_\d+$/.test(name) && !result.actions.some((action) => action.exportName === name),
          ),
        );
        const expected = new Map([...before.actions].filter(([, name]) => !localised.has(name) || !result.changed));
        expect(Object.fromEntries(after.actions), `${layer}: registered actions`).toEqual(Object.fromEntries(expected));
        // One ID per action we found (guarded or not), none missing, none extra.
        // Client layers drop a "use server" module's body, inline actions nested in its exports included.
        // A "use cache" function is registered as $$RSC_SERVER_CACHE_<n> (rsc) or, exported from a "use cache"
        // module, under its export name (client layers); each has a `cache` record, counted separately below.
        const cacheRecords = result.actions.filter((action) => action.kind === 'cache');
        const isCacheName = (name: string): boolean =>
          name.startsWith('$$RSC_SERVER_CACHE_') || cacheRecords.some((action) => action.exportName === name);
        const registered = layer === 'rsc' ? result.actions.filter((action) => action.kind !== 'cache') : result.actions.filter((action) => action.kind === 'export');
        const actionIds = [...after.actions.values()].filter((name) => !isCacheName(name));
        expect(actionIds.length, `${layer}: one ID per action`).toBe(registered.length);
        if (layer === 'rsc') {
          // Every cache function Next registers has the record whose inlineIndex is its n, and no record is extra.
          const cacheIndexes = [...after.actions.values()].flatMap((name) => /^\$\$RSC_SERVER_CACHE_(\d+)$/.exec(name)?.[1] ?? []).map(Number);
          expect(cacheIndexes.sort(), `${layer}: one cache record per registered cache function`).toEqual(
            cacheRecords.map((action) => action.inlineIndex!).sort(),
          );
        }
        if (layer === 'rsc') {
          const hoisted = hoistedRefs(after.code);
          for (const [index, ref] of hoisted) {
            const action = result.actions.find((candidate) => candidate.ref === ref);
            // An anonymous default export is hoisted too (same counter); it is an export, not an inline action.
            if (action?.kind === 'export') expect(action.exportName, `$$RSC_SERVER_ACTION_${index} holds ${ref}`).toBe('default');
            else expect(action?.inlineIndex, `$$RSC_SERVER_ACTION_${index} holds ${ref}`).toBe(index);
          }
          const inline = result.actions.filter((action) => action.kind === 'inline' && action.guarded);
          expect([...hoisted.values()].filter((ref) => inline.some((action) => action.ref === ref)).sort()).toEqual(
            inline.map((action) => action.ref).sort(),
          );
        }
      }
    });
  }
});

describe("our source map survives Next's SWC (webpack passes it as inputSourceMap)", () => {
  test('a statement of the action body in the final server output points back to its line and column in the input', async () => {
    const input = [
      '"use server";',
      '',
      '/** @requiresAuth @schema renameInput */',
      'export async function rename(from: string, to: string) {',
      '  const message = `${from} -> ${to}`;',
      '  return message;',
      '}',
      '',
      'const renameInput = {};',
      '',
    ].join('\n');
    const ours = transform(input, { filename: 'app/rename.ts', root: '/project' });
    const next = await nextTransform(ours.code, '/project/app/rename.ts', 'rsc', ours.map!);
    expect(next.ok).toBe(true);
    if (!next.ok) return;
    const map = new TraceMap(next.map!);
    const lines = next.code.split('\n');
    const line = lines.findIndex((text) => text.includes('const message ='));
    const column = lines[line]!.indexOf('const message');
    expect(originalPositionFor(map, { line: line + 1, column })).toMatchObject({ line: 5, column: 2 });
  });
});

/** A generated function: its form, its directive, and the functions nested in its body. */
interface GeneratedFunction {
  form: 'declaration' | 'arrow' | 'method' | 'jsx-attribute';
  directive: 'use server' | 'use cache' | null;
  children: GeneratedFunction[];
}

const form = fc.constantFrom<GeneratedFunction['form']>('declaration', 'arrow', 'method', 'jsx-attribute');
const directive = fc.constantFrom<GeneratedFunction['directive']>('use server', 'use cache', null, null);
const generatedFunction: fc.Arbitrary<GeneratedFunction> = fc.letrec<{ fn: GeneratedFunction }>((tie) => ({
  fn: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    fc.record({ form, directive, children: fc.constant<GeneratedFunction[]>([]) }),
    fc.record({ form, directive, children: fc.array(tie('fn'), { maxLength: 3 }) }),
  ),
})).fn;

/** Renders nested functions as statements; every function returns its nested ones so none is dead code. */
function renderFunctions(functions: GeneratedFunction[], path: string): string {
  return functions
    .map((fn, index) => {
      const name = `${path}_${index}`;
      const directive = fn.directive === null ? '' : `"${fn.directive}"; `;
      const inner = renderFunctions(fn.children, name);
      const names = fn.children.map((_, childIndex) => `${name}_${childIndex}`);
      const body = `{ ${directive}${inner} return [${names.join(', ')}]; }`;
      const doc = '/** @requiresAuth */ ';
      if (fn.form === 'declaration') return `${doc}async function ${name}() ${body}`;
      if (fn.form === 'arrow') return `${doc}const ${name} = async () => ${body};`;
      if (fn.form === 'jsx-attribute') return `const ${name} = <form action={${doc}async () => ${body}} />;`;
      return `const ${name} = { ${doc}async m() ${body} }.m;`;
    })
    .join(' ');
}

describe('inline numbering matches Next on generated nestings of actions and "use cache" functions', () => {
  test('every hoisted $$RSC_SERVER_ACTION_<n> holds the action whose inlineIndex is n', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(generatedFunction, { minLength: 1, maxLength: 4 }), async (functions) => {
        const names = functions.map((_, index) => `f_${index}`);
        const code = `export default function Page() { ${renderFunctions(functions, 'f')} return [${names.join(', ')}]; }\n`;
        const result = transform(code, { filename: 'app/page.tsx', root: '/project' });
        const next = await nextTransform(result.code, '/project/app/page.tsx', 'rsc');
        expect(next.ok ? '' : next.error).toBe('');
        if (!next.ok) return;
        const hoisted = hoistedRefs(next.code);
        const inline = result.actions.filter((action) => action.kind === 'inline');
        expect(hoisted.size).toBe(inline.length);
        for (const [index, ref] of hoisted) {
          expect(inline.find((action) => action.ref === ref)?.inlineIndex, ref).toBe(index);
        }
      }),
      { numRuns: 60, seed: 7 },
    );
  });
});
