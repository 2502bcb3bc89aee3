import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { buildManifest } from '../src/build-manifest.js';
import { canonicalString } from '../src/canonical-bytes.js';
import { ManifestFormatError, parseManifest } from '../src/parse-manifest.js';
import type { ActionManifest } from '../src/types.js';
import { policy } from './helpers.js';

/** A manifest as the real builder writes it: one guarded export with every policy field set, one inline action. */
function builtManifest(): ActionManifest {
  const file = 'app/actions.ts';
  const full = policy({
    roles: ['admin'], schema: 'saveSchema', authorize: 'canSave', fromRules: ['app/**'],
    dedupe: { source: 'key', name: null, ttlSeconds: 86400 }, rateLimit: { limit: 10, windowSeconds: 60, by: 'user' },
    revalidates: [{ kind: 'path', value: '/invoices/{id}', profile: null }, { kind: 'tag', value: 'invoices', profile: 'max' }],
  });
  return buildManifest({
    serverReferenceManifest: {
      node: {
        [`40${'1'.repeat(40)}`]: { workers: { 'app/page': {} }, filename: file, exportedName: 'save' },
        [`40${'2'.repeat(40)}`]: { workers: { 'app/page': {} }, filename: file, exportedName: '$$RSC_SERVER_ACTION_0' },
      },
      edge: {},
    },
    records: [{
      file, sourceSha256: 'x',
      actions: [
        { ref: `${file}#save`, file, exportName: 'save', kind: 'export', inlineIndex: null, loc: { line: 3, column: 0 }, policy: full, guarded: true },
        { ref: `${file}#Page/0`, file, exportName: null, kind: 'inline', inlineIndex: 0, loc: { line: 9, column: 2 }, policy: policy({ auth: 'public', publicReason: 'form' }), guarded: true },
      ],
    }],
    meta: {
      generator: { name: 'action-guard', version: 'test' }, nextVersion: '16.4.6', bundler: 'webpack', buildId: 'b1', gitCommit: 'abc',
      createdAt: '2026-11-22T00:00:00.000Z', encryptionKey: { fingerprint: 'hmac-sha256:abc', source: 'env' },
    },
    config: { manifest: { failOnUnguarded: true, requireSignature: false } },
    isReferencedByClient: () => true,
  }).manifest;
}

/** The error parseManifest throws for `value`, or null when it accepts it. */
function errorFor(value: unknown): ManifestFormatError | null {
  try {
    parseManifest(value);
    return null;
  } catch (error) {
    if (error instanceof ManifestFormatError) return error;
    throw error;
  }
}

const edit = (change: (m: any) => void) => {
  const copy = JSON.parse(JSON.stringify(builtManifest()));
  change(copy);
  return copy;
};

describe('parseManifest', () => {
  test('accepts what the builder writes, as text or as a value', () => {
    const manifest = builtManifest();
    expect(parseManifest(canonicalString(manifest))).toEqual(manifest);
    expect(parseManifest(manifest)).toBe(manifest);
  });

  test('names the field path, the expected type and the value found', () => {
    expect(errorFor(edit((m) => (m.actions[1].policy.rateLimit = { limit: 'x', windowSeconds: 60, by: 'user' })))?.message)
      .toBe('actions[1].policy.rateLimit.limit: expected a positive integer, got "x"');
    expect(errorFor(edit((m) => delete m.next.version))?.message).toBe('next.version: expected a string, got nothing (the field is missing)');
    expect(errorFor(edit((m) => (m.actions[0].kind = 'exported')))?.message).toBe('actions[0].kind: expected "export" or "inline" or "cache", got "exported"');
    expect(errorFor(edit((m) => (m.actions[0].workers = ['app/page', 7])))?.message).toBe('actions[0].workers[1]: expected a string, got 7');
    expect(errorFor(edit((m) => (m.encryptionKey = 'k')))?.message).toBe('encryptionKey: expected an object or null, got "k"');
    expect(errorFor(edit((m) => (m.schemaVersion = 2)))).toMatchObject({ path: 'schemaVersion', message: expect.stringMatching(/got 2$/) });
    expect(errorFor('{"schemaVersion": 1,')?.message).toMatch(/^it is not valid JSON/);
    expect(errorFor([])?.message).toBe('expected a JSON object, got an array');
  });

  test('reads @revalidates targets, accepts a policy without them (manifests older than the tag) and checks their shape', () => {
    expect(parseManifest(builtManifest()).actions[1]!.policy!.revalidates).toEqual([
      { kind: 'path', profile: null, value: '/invoices/{id}' },
      { kind: 'tag', profile: 'max', value: 'invoices' },
    ]);
    expect(errorFor(edit((m) => delete m.actions[1].policy.revalidates))).toBeNull();
    expect(errorFor(edit((m) => (m.actions[1].policy.revalidates[0].kind = 'page')))?.message).toMatch(/actions\[1\]\.policy\.revalidates\[0\]\.kind/);
    expect(errorFor(edit((m) => (m.actions[1].policy.revalidates = 'tag:invoices')))?.message).toMatch(/policy\.revalidates/);
  });

  test('rejects a field this version does not know, so a new policy field cannot be ignored silently', () => {
    const error = errorFor(edit((m) => (m.actions[0].policy.argumentSchemas = {})));
    expect(error?.path).toBe('actions[0].policy.argumentSchemas');
    expect(error?.message).toMatch(/unexpected field \(this version reads auth, publicReason, roles/);
  });

  // The attacks a tampered manifest.json could make on the commands that trust its shape.
  test('rejects an entry that claims to be guarded but has no policy (it would pass audit as protected)', () => {
    const error = errorFor(edit((m) => Object.assign(m.actions[0], { policy: null, policyDigest: null })));
    expect(error?.path).toBe('actions[0].policy');
    expect(error?.message).toMatch(/"guarded": true/);
  });

  test('rejects a second entry with the same ref (it would hide an unguarded action from diff) or the same id', () => {
    const sameRef = errorFor(edit((m) => (m.actions[1].ref = m.actions[0].ref)));
    expect(sameRef?.message).toBe('actions[1].ref: duplicate ref "app/actions.ts#Page/0" (also actions[0].ref)');
    expect(errorFor(edit((m) => (m.actions[1].id = m.actions[0].id)))?.path).toBe('actions[1].id');
  });

  test('names a non-identifier key with brackets', () => {
    expect(errorFor(edit((m) => (m.generator['a b'] = 1)))?.path).toBe('generator["a b"]');
  });
});

// Every mutation of a valid manifest, and any JSON at all, is either a manifest or a ManifestFormatError with a
// path: never a TypeError or RangeError from deeper down (which the CLI would print as an internal error).
describe('parseManifest under fuzzing', () => {
  const json = fc.jsonValue({ maxDepth: 4 });
  type Path = Array<string | number>;

  /** Every path of a value (objects and arrays), root included. */
  function pathsOf(value: unknown, prefix: Path = []): Path[] {
    const paths: Path[] = [prefix];
    if (Array.isArray(value)) value.forEach((v, i) => paths.push(...pathsOf(v, [...prefix, i])));
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths.push(...pathsOf(v, [...prefix, k]));
    return paths;
  }

  function mutate(base: ActionManifest, path: Path, how: 'replace' | 'delete' | 'add', replacement: unknown, key: string): unknown {
    const copy = JSON.parse(JSON.stringify(base));
    if (path.length === 0) return how === 'replace' ? replacement : copy;
    const parent = path.slice(0, -1).reduce((node: any, k) => node[k], copy);
    const last = path[path.length - 1]!;
    if (how === 'replace') parent[last] = replacement;
    else if (how === 'delete') Array.isArray(parent) ? parent.splice(Number(last), 1) : delete parent[last];
    else if (parent[last] !== null && typeof parent[last] === 'object') parent[last][Array.isArray(parent[last]) ? parent[last].length : key] = replacement;
    return copy;
  }

  const outcome = (value: unknown) => {
    try {
      return { ok: true as const, manifest: parseManifest(value) };
    } catch (error) {
      return { ok: false as const, error };
    }
  };

  test('arbitrary JSON values and texts give a manifest or a ManifestFormatError', () => {
    fc.assert(
      fc.property(fc.oneof(json, fc.string(), json.map((v) => JSON.stringify(v))), (value) => {
        const result = outcome(value);
        if (!result.ok) expect(result.error).toBeInstanceOf(ManifestFormatError);
      }),
      { numRuns: 500 },
    );
  });

  test('any single mutation of a valid manifest gives a manifest or a located ManifestFormatError', () => {
    const base = builtManifest();
    const paths = pathsOf(base);
    fc.assert(
      fc.property(
        fc.constantFrom(...paths),
        fc.constantFrom('replace' as const, 'delete' as const, 'add' as const),
        fc.oneof(json, fc.constantFrom(null, '', -1, 0, 1.5, 2 ** 60, 'x', [], {})),
        fc.string({ minLength: 1, maxLength: 8 }),
        (path, how, replacement, key) => {
          const mutated = mutate(base, path, how, replacement, key);
          for (const input of [mutated, JSON.stringify(mutated)]) {
            const result = outcome(input);
            if (result.ok) {
              // What it accepts keeps the promises the commands rely on.
              const { actions } = result.manifest;
              expect(actions.every((a) => !a.guarded || (a.policy !== null && Array.isArray(a.policy.roles)))).toBe(true);
              expect(new Set(actions.map((a) => a.ref)).size).toBe(actions.length);
              continue;
            }
            expect(result.error).toBeInstanceOf(ManifestFormatError);
            const error = result.error as ManifestFormatError;
            if (error.path) expect(error.message.startsWith(`${error.path}: `)).toBe(true);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('a mutation that changes a field to another type is always rejected, at that field or its parent', () => {
    const base = builtManifest();
    const leaves = pathsOf(base).filter((p) => p.length > 0);
    fc.assert(
      fc.property(fc.constantFrom(...leaves), (path) => {
        const original = path.reduce((node: any, k) => node[k], base);
        // A value of a type no field of the manifest accepts in place of this one.
        const replacement = typeof original === 'string' ? 12345 : typeof original === 'number' ? 'x' : typeof original === 'boolean' ? 'true' : original === null ? [] : 'x';
        const result = outcome(mutate(base, path, 'replace', replacement, ''));
        expect(result.ok).toBe(false);
        const where = (result as { error: ManifestFormatError }).error.path;
        const expected = path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('').replace(/^\./, '');
        expect(expected.startsWith(where) || where.startsWith(expected), `${where} vs ${expected}`).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
