import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { buildManifest } from '../src/build-manifest.js';
import { canonicalBytes, referenceCanonicalString } from '../src/canonical-bytes.js';
import type { ActionRecord, NormalizedPolicy, ServerReferenceEntry } from '../src/types.js';
import { random } from './helpers.js';

// Strings JSON must escape (quote, backslash, control characters, lone surrogates) next to ones it must not touch
// (U+2028, a surrogate pair, non-ASCII letters, the empty string).
const STRINGS = ['admin', '', 'say "hi"', 'back\\slash', 'line\nbreak', 'nul\u0000', 'tab\t', '\u001f', '\u2028', 'é', '\ud83d\ude00', 'lone \ud800', 'lone \udfff end', 'app/(group)/[id]'];
const NUMBERS = [0, -0, 1, 60, 86400, 0.1, 1e21, 1e-7, 2 ** 53, -5, 333333333.3333333];

function generatedPolicy(next: () => number): NormalizedPolicy {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const maybe = <T>(make: () => T): T | null => (next() < 0.3 ? null : make());
  const strings = () => Array.from({ length: Math.floor(next() * 4) }, () => pick(STRINGS));
  // Keys in the transform's order, not RFC 8785 order, as records arrive.
  return {
    auth: pick(['public', 'required'] as const),
    publicReason: maybe(() => pick(STRINGS)),
    roles: strings(),
    authorize: maybe(() => pick(STRINGS)),
    schema: maybe(() => pick(STRINGS)),
    dedupe: maybe(() => ({ source: pick(['key', 'header', 'input'] as const), name: maybe(() => pick(STRINGS)), ttlSeconds: pick(NUMBERS) })),
    rateLimit: maybe(() => ({ limit: pick(NUMBERS), windowSeconds: pick(NUMBERS), by: pick(['user', 'ip', 'global'] as const) })),
    fromRules: strings(),
    // Present only when an action has targets, as the transform writes it.
    ...(next() < 0.5 ? {} : { revalidates: Array.from({ length: 1 + Math.floor(next() * 3) }, () => ({ kind: pick(['path', 'layout', 'tag'] as const), value: pick(STRINGS), profile: maybe(() => pick(STRINGS)) })) }),
  };
}

const meta = { generator: { name: 'action-guard', version: 'test' }, nextVersion: '16.4.6', bundler: 'turbopack' as const, buildId: 'b', gitCommit: null, createdAt: 'now', encryptionKey: null };
const config = { manifest: { requireSignature: false, failOnUnguarded: true } };
const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

describe('buildManifest', () => {
  test('writes every policy digest and the manifest bytes exactly as the reference RFC 8785 serialiser does', () => {
    const next = random(8785);
    const node: Record<string, ServerReferenceEntry> = {};
    const actions: ActionRecord[] = [];
    for (let i = 0; i < 600; i++) {
      const file = `app/${STRINGS[i % STRINGS.length]}/actions.ts`;
      const id = i.toString(16).padStart(42, '0');
      node[id] = { workers: { 'app/page': {} }, filename: file, exportedName: `action${i}` };
      actions.push({ ref: `${file}#action${i}`, file, exportName: `action${i}`, kind: 'export', inlineIndex: null, loc: { line: i, column: 0 }, policy: generatedPolicy(next), guarded: true });
    }
    const { manifest, bytes } = buildManifest({ serverReferenceManifest: { node, edge: {} }, records: [{ file: 'many', sourceSha256: 'x', actions }], meta, config });

    expect(manifest.actions).toHaveLength(600);
    for (const action of manifest.actions) {
      const source = actions.find((a) => a.ref === action.ref)!;
      expect(action.policy).toEqual(source.policy);
      expect(action.policyDigest).toBe(sha256(referenceCanonicalString(source.policy)!));
    }
    expect(Buffer.from(bytes).toString()).toBe(referenceCanonicalString(manifest));
    expect(Buffer.from(canonicalBytes(manifest)).equals(Buffer.from(bytes))).toBe(true);
  });

  test('returns canonical bytes even when a record carries values of unexpected types', () => {
    const base: ActionRecord = { ref: 'app/a.ts#a', file: 'app/a.ts', exportName: 'a', kind: 'export', inlineIndex: null, loc: { line: 1, column: 0 }, policy: generatedPolicy(random(2)), guarded: true };
    // What a record from a newer or broken loader could hold: objects out of key order where scalars belong.
    const odd = [
      { ...base, loc: { line: { z: 1, a: 2 }, column: 0 } },
      { ...base, kind: { b: 1, a: 2 } },
      { ...base, guarded: { y: true, x: false } },
      { ...base, ref: undefined, exportName: undefined },
      { ...base, policy: { ...base.policy, roles: { 1: 'b', 0: 'a' } } },

    ] as unknown as ActionRecord[];
    const oddMeta = { ...meta, buildId: { later: 1, earlier: 2 } as unknown as string };
    for (const [record, buildMeta] of [...odd.map((r) => [r, meta] as const), [base, oddMeta] as const]) {
      const { manifest, bytes } = buildManifest({
        serverReferenceManifest: { node: { ['a'.repeat(42)]: { workers: {}, filename: 'app/a.ts', exportedName: 'a' } }, edge: {} },
        records: [{ file: 'app/a.ts', sourceSha256: 'x', actions: [record] }],
        meta: buildMeta,
        config,
      });
      expect(Buffer.from(bytes).toString()).toBe(referenceCanonicalString(manifest));
    }
  });

  test('lists the workers of an action sorted and once each, across its node and edge entries', () => {
    const id = '0'.repeat(42);
    const workers = (names: string[]) => Object.fromEntries(names.map((name) => [name, {}]));
    const { manifest } = buildManifest({
      serverReferenceManifest: {
        node: { [id]: { workers: workers(['app/z/page', 'app/page', 'app/b/page', 'app/a/page']), filename: 'app/a.ts', exportedName: 'save' } },
        edge: { [id]: { workers: workers(['app/page', 'app/Z/page', 'app/a/page', 'app/é/page']), filename: 'app/a.ts', exportedName: 'save' } },
      },
      records: [],
      meta,
      config,
    });
    expect(manifest.actions[0]!.workers).toEqual(['app/Z/page', 'app/a/page', 'app/b/page', 'app/page', 'app/z/page', 'app/é/page']);
    expect(manifest.actions[0]!.runtimes).toEqual(['edge', 'node']);
  });

  test('joins inline actions by file and index, and exports by file and name, never across files', () => {
    const entry = (filename: string, exportedName: string): ServerReferenceEntry => ({ workers: {}, filename, exportedName });
    const record = (file: string, exportName: string | null, inlineIndex: number | null, ref: string): ActionRecord => ({
      ref, file, exportName, kind: inlineIndex === null ? 'export' : 'inline', inlineIndex, loc: { line: 1, column: 0 }, policy: generatedPolicy(random(1)), guarded: true,
    });
    const { manifest } = buildManifest({
      serverReferenceManifest: {
        node: {
          ['1'.repeat(42)]: entry('app/a.tsx', '$$RSC_SERVER_ACTION_1'),
          ['2'.repeat(42)]: entry('app/b.tsx', '$$RSC_SERVER_ACTION_1'),
          ['3'.repeat(42)]: entry('app/b.tsx', 'save'),
          ['4'.repeat(42)]: entry('app/c.tsx', 'save'),
        },
        edge: {},
      },
      records: [
        { file: 'app/a.tsx', sourceSha256: 'x', actions: [record('app/a.tsx', null, 1, 'app/a.tsx#Page/one'), record('app/a.tsx', 'save', null, 'app/a.tsx#save')] },
        { file: 'app/b.tsx', sourceSha256: 'x', actions: [record('app/b.tsx', null, 1, 'app/b.tsx#Page/one'), record('app/b.tsx', 'save', null, 'app/b.tsx#save')] },
      ],
      meta,
      config,
    });
    expect(manifest.actions.map((a) => [a.id[0], a.ref, a.guarded])).toEqual([
      ['1', 'app/a.tsx#Page/one', true],
      ['2', 'app/b.tsx#Page/one', true],
      ['3', 'app/b.tsx#save', true],
      ['4', 'app/c.tsx#save', false],
    ]);
  });

  test('joins "use cache" functions ($$RSC_SERVER_CACHE_<n>) to cache records by file and index; one without a guarded record is an unguarded finding', () => {
    const entry = (filename: string, exportedName: string): ServerReferenceEntry => ({ workers: {}, filename, exportedName });
    const cacheRecord = (file: string, exportName: string | null, inlineIndex: number, ref: string, guarded = true): ActionRecord => ({
      ref, file, exportName, kind: 'cache', inlineIndex, loc: { line: 1, column: 0 }, guarded,
      policy: { ...generatedPolicy(random(2)), auth: 'public', publicReason: 'Cached for everyone.', roles: [], authorize: null, dedupe: null, rateLimit: null },
    });
    const inlineRecord: ActionRecord = {
      ref: 'app/a.tsx#Page/save', file: 'app/a.tsx', exportName: null, kind: 'inline', inlineIndex: 1, loc: { line: 1, column: 0 }, guarded: true, policy: generatedPolicy(random(3)),
    };
    const { manifest, findings } = buildManifest({
      serverReferenceManifest: {
        node: {
          ['a'.repeat(42)]: entry('app/a.tsx', '$$RSC_SERVER_CACHE_0'),
          ['b'.repeat(42)]: entry('app/a.tsx', '$$RSC_SERVER_ACTION_1'),
          ['c'.repeat(42)]: entry('app/posts.ts', '$$RSC_SERVER_CACHE_0'),
          ['d'.repeat(42)]: entry('app/b.tsx', '$$RSC_SERVER_CACHE_0'),
          ['e'.repeat(42)]: entry('app/c.tsx', '$$RSC_SERVER_CACHE_2'),
        },
        edge: {},
      },
      records: [
        { file: 'app/a.tsx', sourceSha256: 'x', actions: [cacheRecord('app/a.tsx', null, 0, 'app/a.tsx#Page/load'), inlineRecord] },
        { file: 'app/posts.ts', sourceSha256: 'x', actions: [cacheRecord('app/posts.ts', 'getPost', 0, 'app/posts.ts#getPost')] },
        // A cache record of another index does not cover $$RSC_SERVER_CACHE_0, an inline one does not either.
        { file: 'app/b.tsx', sourceSha256: 'x', actions: [cacheRecord('app/b.tsx', null, 1, 'app/b.tsx#Page/other'), { ...inlineRecord, file: 'app/b.tsx', ref: 'app/b.tsx#Page/save', inlineIndex: 0 }] },
        { file: 'app/c.tsx', sourceSha256: 'x', actions: [cacheRecord('app/c.tsx', null, 2, 'app/c.tsx#Page/load', false)] },
      ],
      meta,
      config,
    });
    expect(manifest.actions.map((a) => [a.id[0], a.ref, a.kind, a.guarded, a.policy?.auth ?? null])).toEqual([
      ['a', 'app/a.tsx#Page/load', 'cache', true, 'public'],
      ['b', 'app/a.tsx#Page/save', 'inline', true, 'required'],
      ['d', 'app/b.tsx#$$RSC_SERVER_CACHE_0', 'cache', false, null],
      ['e', 'app/c.tsx#Page/load', 'cache', false, 'public'],
      ['c', 'app/posts.ts#getPost', 'cache', true, 'public'],
    ]);
    expect(findings.filter((f) => f.name === 'unguarded-action').map((f) => [f.ref, f.severity, f.message.slice(0, 40)])).toEqual([
      ['app/b.tsx#$$RSC_SERVER_CACHE_0', 'error', 'Next registered the "use cache" function'],
      ['app/c.tsx#Page/load', 'error', 'the "use cache" function app/c.tsx#Page/'],
    ]);
    // Cache functions are not exports a client must reference: no unreferenced-action for them.
    expect(findings.filter((f) => f.name === 'unreferenced-action')).toEqual([]);
  });
});
