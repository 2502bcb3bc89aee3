import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
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
  for (const match of rscCode.matchAll(/\$\$RSC_SERVER_ACTION_(\d+) = async/g)) {
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
        // Consumed schema exports leave the export list on purpose (SPEC §2); everything else stays, same IDs.
        const localised = new Set(
          [...before.actions.values()].filter(
            (name) => !/^\$\$RSC_SERVER_(?:ACTION|CACHE)_\d+$/.test(name) && !result.actions.some((action) => action.exportName === name),
          ),
        );
        const expected = new Map([...before.actions].filter(([, name]) => !localised.has(name) || !result.changed));
        expect(Object.fromEntries(after.actions), `${layer}: registered actions`).toEqual(Object.fromEntries(expected));
        // One ID per action we found (guarded or not), none missing, none extra.
        // Client layers drop a "use server" module's body, inline actions nested in its exports included.
        const registered = layer === 'rsc' ? result.actions : result.actions.filter((action) => action.kind === 'export');
        const actionIds = [...after.actions.values()].filter((name) => !name.startsWith('$$RSC_SERVER_CACHE_'));
        expect(actionIds.length, `${layer}: one ID per action`).toBe(registered.length);
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
  test('a line of the action body in the final server output points back to its line in the input', async () => {
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
    const column = lines[line]!.indexOf('message');
    expect(originalPositionFor(map, { line: line + 1, column })).toMatchObject({ line: 5, column: 8 });
  });
});
