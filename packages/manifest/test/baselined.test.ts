import { describe, expect, test } from 'vitest';
import { buildManifest } from '../src/build-manifest.js';
import { canonicalBytes, digestCanonical } from '../src/canonical-bytes.js';
import { diffManifests } from '../src/diff-manifests.js';
import { parseManifest } from '../src/parse-manifest.js';
import type { ActionRecord } from '../src/types.js';
import { action, manifestOf, policy } from './helpers.js';

const meta = { generator: { name: 'action-guard', version: 'test' }, nextVersion: '16.4.6', bundler: 'turbopack' as const, buildId: 'b', gitCommit: null, createdAt: 'now', encryptionKey: null };
const config = { manifest: { requireSignature: false, failOnUnguarded: true } };
const record = (name: string, extra: Partial<ActionRecord> = {}): ActionRecord => ({
  ref: `app/a.ts#${name}`, file: 'app/a.ts', exportName: name, kind: 'export', inlineIndex: null, loc: { line: 1, column: 0 }, policy: policy(), guarded: true, ...extra,
});

describe('baselined actions in the manifest', () => {
  test('an entry carries the baselined checks of its record; other entries have no such key; the bytes stay canonical', () => {
    const { manifest, bytes } = buildManifest({
      serverReferenceManifest: {
        node: { ['a'.repeat(42)]: { workers: {}, filename: 'app/a.ts', exportedName: 'save' }, ['b'.repeat(42)]: { workers: {}, filename: 'app/a.ts', exportedName: 'ping' } },
        edge: {},
      },
      records: [{ file: 'app/a.ts', sourceSha256: 'x', actions: [record('save', { baselined: ['missing-auth-decision', 'missing-schema'] }), record('ping')] }],
      meta,
      config,
    });
    const save = manifest.actions.find((a) => a.ref === 'app/a.ts#save')!;
    expect(save.baselined).toEqual(['missing-auth-decision', 'missing-schema']);
    expect('baselined' in manifest.actions.find((a) => a.ref === 'app/a.ts#ping')!).toBe(false);
    expect(Buffer.from(bytes).equals(Buffer.from(canonicalBytes(manifest)))).toBe(true);
    expect(parseManifest(Buffer.from(bytes).toString()).actions.find((a) => a.ref === 'app/a.ts#save')!.baselined).toEqual(save.baselined);
  });

  test('the parser accepts the field absent or an array of strings, and names it otherwise', () => {
    const text = (baselined: unknown) => JSON.stringify(manifestOf([{ ...action('app/a.ts#a'), policyDigest: digestCanonical(policy()), baselined } as never]));
    expect(parseManifest(text(undefined)).actions[0]!.baselined).toBeUndefined();
    expect(parseManifest(text(['missing-schema'])).actions[0]!.baselined).toEqual(['missing-schema']);
    expect(() => parseManifest(text('missing-schema'))).toThrow(/actions\[0\]\.baselined: expected an array/);
    expect(() => parseManifest(text([1]))).toThrow(/actions\[0\]\.baselined\[0\]: expected a string/);
  });

  test('manifest diff: entering the baseline is weakened, leaving it is strengthened, a new baselined action says so', () => {
    const plain = action('app/a.ts#save', { policy: policy({ schema: null }) });
    const baselined = { ...plain, baselined: ['missing-schema'] };
    const entered = diffManifests(manifestOf([plain]), manifestOf([baselined]));
    expect(entered.changes).toMatchObject([{ class: 'weakened', reasons: ['baselined: missing-schema (accepted in action-guard.baseline.json)'] }]);
    const left = diffManifests(manifestOf([baselined]), manifestOf([plain]));
    expect(left.changes).toMatchObject([{ class: 'strengthened', reasons: ['no longer baselined: missing-schema'] }]);
    const added = diffManifests(manifestOf([]), manifestOf([{ ...baselined, policy: policy({ auth: 'public', publicReason: 'baselined: no auth decision yet (action-guard.baseline.json)' }), baselined: ['missing-auth-decision'] }]));
    expect(added.changes[0]).toMatchObject({ class: 'added-public', reasons: ['new @public action: baselined: no auth decision yet (action-guard.baseline.json)', 'baselined: missing-auth-decision'] });
  });
});
