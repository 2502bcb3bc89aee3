import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { canonicalBytes } from '../src/canonical-bytes.js';
import { generateSigningKeyPair, verifyEnvelope } from '../src/dsse.js';
import { generateEncryptionKey } from '../src/encryption-key.js';
import { mapConcurrently } from '../src/project-facts.js';
import { fingerprintEncryptionKey } from '../src/key-fingerprint.js';
import type { ActionRecord, ManifestConfig, RecordFile } from '../src/types.js';
import { writeActionManifest } from '../src/write-action-manifest.js';
import { actionId, policy } from './helpers.js';

const config: ManifestConfig = { manifest: { requireSignature: false, failOnUnguarded: true }, encryptionKey: { missing: 'warn' } };
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const ID = { create: actionId('create'), remove: actionId('remove'), inline: actionId('inline'), lib: actionId('lib'), stale: actionId('stale') };
const SOURCES: Record<string, string> = {
  'app/actions.ts': '"use server";\nexport async function createPost() {}\nexport async function deletePost() {}\n',
  'app/page.tsx': 'export default function Page() { async function save() { "use server"; } return null; }\n',
  'lib/old.ts': '"use server";\nexport async function legacy() {}\n',
};

function record(file: string, exportName: string | null, extra: Partial<ActionRecord> = {}): ActionRecord {
  return {
    ref: `${file}#${exportName}`,
    file,
    exportName,
    kind: 'export',
    inlineIndex: null,
    loc: { line: 2, column: 0 },
    policy: policy({ roles: ['admin'] }),
    guarded: true,
    ...extra,
  };
}

/** A project as `next build` leaves it when the post-build hook runs, written from plain objects. */
function createProject(options: { filenamePrefix?: string; nested?: string } = {}) {
  const root = mkdtempSync(path.join(tmpdir(), 'ag-manifest-'));
  dirs.push(root);
  const projectDir = options.nested ? path.join(root, options.nested) : root;
  const encryptionKey = generateEncryptionKey();
  const write = (rel: string, content: string) => {
    mkdirSync(path.dirname(path.join(projectDir, rel)), { recursive: true });
    writeFileSync(path.join(projectDir, rel), content);
  };
  for (const [file, source] of Object.entries(SOURCES)) write(file, source);
  const prefix = options.filenamePrefix ?? '';
  const entry = (filename: string, exportedName: string, workers: string[]) => ({
    workers: Object.fromEntries(workers.map((w) => [w, { moduleId: 7, async: false }])),
    filename: prefix + filename,
    exportedName,
  });
  write(
    '.next/server/server-reference-manifest.json',
    JSON.stringify({
      node: {
        [ID.create]: entry('app/actions.ts', 'createPost', ['app/page', 'app/posts/page']),
        [ID.remove]: entry('app/actions.ts', 'deletePost', ['app/posts/page']),
        [ID.inline]: entry('app/page.tsx', '$$RSC_SERVER_ACTION_0', ['app/page']),
        [ID.lib]: entry('node_modules/some-lib/actions.js', 'leak', ['app/page']),
        [ID.stale]: entry('lib/old.ts', 'legacy', ['app/page']),
      },
      edge: { [ID.create]: entry('app/actions.ts', 'createPost', ['app/edge/page']) },
      encryptionKey,
    }),
  );
  const sha = (file: string) => createHash('sha256').update(SOURCES[file]!).digest('hex');
  const records: RecordFile[] = [
    { file: 'app/actions.ts', sourceSha256: sha('app/actions.ts'), actions: [record('app/actions.ts', 'createPost'), record('app/actions.ts', 'deletePost', { guarded: false })] },
    {
      file: 'app/page.tsx',
      sourceSha256: sha('app/page.tsx'),
      actions: [record('app/page.tsx', null, { ref: 'app/page.tsx#Page/save', kind: 'inline', inlineIndex: 0, loc: { line: 1, column: 40 } })],
    },
    // Written by an earlier build of a different lib/old.ts: must never be used.
    { file: 'lib/old.ts', sourceSha256: '0'.repeat(64), actions: [record('lib/old.ts', 'legacy')] },
  ];
  for (const r of records) write(`.next/cache/action-guard/records/${createHash('sha256').update(r.file).digest('hex')}.json`, JSON.stringify(r));
  write('.next/cache/action-guard/records/truncated.json', '{"file": "app/act');
  write('.next/static/chunks/app/page-abc.js', `self.x=(0,n.createServerReference)("${ID.create}",n.callServer,void 0,n.findSourceMapURL,"createPost");`);
  write('.next/static/BUILDID42/_buildManifest.js', 'self.__BUILD_MANIFEST={}');
  return { projectDir, encryptionKey, distDir: path.join(projectDir, '.next') };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join((e as { parentPath?: string }).parentPath ?? dir, e.name));
}

describe('writeActionManifest', () => {
  test('lists every action Next registered exactly once, joined with its policy, sorted by ref', async () => {
    const { projectDir, distDir, encryptionKey } = createProject();
    const { manifest } = await writeActionManifest({
      projectDir, distDir, bundler: 'webpack', nextVersion: '16.4.6', config,
      env: { NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: encryptionKey }, now: new Date('2026-11-22T00:00:00Z'),
    });
    expect(manifest.actions.map((a) => [a.ref, a.id])).toEqual([
      ['app/actions.ts#createPost', ID.create],
      ['app/actions.ts#deletePost', ID.remove],
      ['app/page.tsx#Page/save', ID.inline],
      ['lib/old.ts#legacy', ID.stale],
      ['node_modules/some-lib/actions.js#leak', ID.lib],
    ]);
    const create = manifest.actions[0]!;
    expect(create).toMatchObject({
      kind: 'export', exportName: 'createPost', guarded: true, referencedByClient: true,
      workers: ['app/edge/page', 'app/page', 'app/posts/page'], runtimes: ['edge', 'node'], location: { line: 2, column: 0 },
    });
    expect(create.policy?.roles).toEqual(['admin']);
    expect(create.policyDigest).toBe(`sha256:${createHash('sha256').update(canonicalBytes(create.policy)).digest('hex')}`);
    expect(manifest.actions[2]).toMatchObject({ kind: 'inline', exportName: null, guarded: true, referencedByClient: false });
    // The stale record is ignored, so lib/old.ts counts as never seen by the transform.
    expect(manifest.actions[3]).toMatchObject({ guarded: false, policy: null, location: null });
    expect(manifest).toMatchObject({
      schemaVersion: 1, bundler: 'webpack', next: { version: '16.4.6' }, buildId: 'BUILDID42', createdAt: '2026-11-22T00:00:00.000Z',
      encryptionKey: { fingerprint: await fingerprintEncryptionKey(encryptionKey), source: 'env' },
    });
  });

  test('reports unguarded, unreferenced and unsigned actions with codes, locations and fixes', async () => {
    const { projectDir, distDir, encryptionKey } = createProject();
    const { findings } = await writeActionManifest({ projectDir, distDir, bundler: 'webpack', nextVersion: '16.4.6', config, env: { NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: encryptionKey } });
    const summary = findings.map((f) => `${f.severity} ${f.code} ${f.name} ${f.ref ?? ''}`.trim()).sort();
    expect(summary).toEqual([
      'error AG301 unguarded-action app/actions.ts#deletePost',
      'error AG301 unguarded-action lib/old.ts#legacy',
      'error AG301 unguarded-action node_modules/some-lib/actions.js#leak',
      'warning AG302 missing-signing-key',
      'warning AG304 unreferenced-action app/actions.ts#deletePost',
      'warning AG304 unreferenced-action lib/old.ts#legacy',
      'warning AG304 unreferenced-action node_modules/some-lib/actions.js#leak',
    ]);
    const lib = findings.find((f) => f.ref === 'node_modules/some-lib/actions.js#leak' && f.code === 'AG301')!;
    expect(lib.message).toMatch(/outside the app code/);
    expect(lib.docs).toBe('https://github.com/action-guard/action-guard/blob/main/docs/diagnostics.md#unguarded-action');
    expect(findings.find((f) => f.ref === 'app/actions.ts#deletePost' && f.code === 'AG301')).toMatchObject({ file: 'app/actions.ts', line: 2, column: 1 });
  });

  test('makes unguarded actions warnings when failOnUnguarded is off, and a missing signature an error with requireSignature', async () => {
    const { projectDir, distDir, encryptionKey } = createProject();
    const { findings } = await writeActionManifest({
      projectDir, distDir, bundler: 'turbopack', nextVersion: '16.4.6',
      config: { ...config, manifest: { failOnUnguarded: false, requireSignature: true } },
      env: { NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: encryptionKey },
    });
    expect(new Set(findings.filter((f) => f.code === 'AG301').map((f) => f.severity))).toEqual(new Set(['warning']));
    expect(findings.find((f) => f.code === 'AG302')?.severity).toBe('error');
  });

  test('writes RFC 8785 bytes and a DSSE envelope over exactly those bytes that verifies with the public key', async () => {
    const { projectDir, distDir, encryptionKey } = createProject();
    const keys = generateSigningKeyPair();
    const result = await writeActionManifest({
      projectDir, distDir, bundler: 'turbopack', nextVersion: '16.4.6', config,
      env: { NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: encryptionKey, ACTION_GUARD_SIGNING_KEY: Buffer.from(keys.privateKeyPem).toString('base64') },
    });
    const bytes = readFileSync(result.manifestPath);
    expect(bytes.equals(Buffer.from(canonicalBytes(JSON.parse(bytes.toString()))))).toBe(true);
    expect(result.envelopePath).toBe(path.join(distDir, 'action-guard', 'manifest.dsse.json'));
    const verified = verifyEnvelope(readFileSync(result.envelopePath!), keys.publicKeyPem);
    expect(verified.ok && Buffer.from(verified.payload).equals(bytes)).toBe(true);
    expect(result.findings.some((f) => f.code === 'AG302')).toBe(false);
  });

  test('never writes the encryption key into any file, the envelope payload, or a finding', async () => {
    const { projectDir, distDir, encryptionKey } = createProject();
    const keys = generateSigningKeyPair();
    const before = new Map(filesUnder(distDir).map((f) => [f, statSync(f).mtimeMs]));
    const result = await writeActionManifest({
      projectDir, distDir, bundler: 'webpack', nextVersion: '16.4.6', config,
      env: { ACTION_GUARD_SIGNING_KEY: keys.privateKeyPem },
    });
    const written = filesUnder(distDir).filter((f) => before.get(f) !== statSync(f).mtimeMs);
    expect(written.sort()).toEqual([result.envelopePath!, result.manifestPath].sort());
    const keyForms = [encryptionKey, Buffer.from(encryptionKey, 'base64').toString('hex'), encryptionKey.replace(/=+$/, '')];
    for (const file of written) {
      const text = readFileSync(file, 'utf8');
      const decoded = file.endsWith('.dsse.json') ? Buffer.from((JSON.parse(text) as { payload: string }).payload, 'base64').toString() : '';
      for (const form of keyForms) {
        expect(text).not.toContain(form);
        expect(decoded).not.toContain(form);
      }
    }
    for (const form of keyForms) expect(JSON.stringify(result)).not.toContain(form);
    // With no env key, the key Next generated (read from its manifest) is still fingerprinted, marked as generated.
    expect(result.manifest.encryptionKey).toEqual({ fingerprint: await fingerprintEncryptionKey(encryptionKey), source: 'generated' });
    expect(result.findings.find((f) => f.code === 'AG305')).toMatchObject({ severity: 'warning', name: 'missing-encryption-key' });
  });

  test('fails on a malformed encryption key and on a signing key that is not Ed25519, naming the fix', async () => {
    const { projectDir, distDir } = createProject();
    const { findings, envelopePath } = await writeActionManifest({
      projectDir, distDir, bundler: 'webpack', nextVersion: '16.4.6', config,
      env: { NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: 'dG9vIHNob3J0', ACTION_GUARD_SIGNING_KEY: 'garbage' },
    });
    expect(findings.find((f) => f.code === 'AG306')).toMatchObject({ severity: 'error', message: expect.stringMatching(/decodes to 9 bytes/) });
    expect(findings.find((f) => f.code === 'AG303')).toMatchObject({ severity: 'error', fix: expect.stringMatching(/signing-key generate/) });
    expect(envelopePath).toBeNull();
  });

  test('makes a missing encryption key an error when config says so, and silent when off', async () => {
    const { projectDir, distDir } = createProject();
    const run = (missing: 'error' | 'off') =>
      writeActionManifest({ projectDir, distDir, bundler: 'webpack', nextVersion: '16.4.6', config: { ...config, encryptionKey: { missing } }, env: {} });
    expect((await run('error')).findings.find((f) => f.code === 'AG305')?.severity).toBe('error');
    expect((await run('off')).findings.some((f) => f.code === 'AG305')).toBe(false);
  });

  test('removes an envelope left by an earlier build when this build is unsigned', async () => {
    const { projectDir, distDir, encryptionKey } = createProject();
    const keys = generateSigningKeyPair();
    const env = { NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: encryptionKey };
    const signed = await writeActionManifest({ projectDir, distDir, bundler: 'webpack', nextVersion: '16.4.6', config, env: { ...env, ACTION_GUARD_SIGNING_KEY: keys.privateKeyPem } });
    const unsigned = await writeActionManifest({ projectDir, distDir, bundler: 'webpack', nextVersion: '16.4.6', config, env });
    expect(unsigned.envelopePath).toBeNull();
    expect(() => statSync(signed.envelopePath!)).toThrow();
  });

  test('maps Turbopack file names relative to a monorepo root back to the project', async () => {
    const { projectDir, distDir, encryptionKey } = createProject({ nested: 'examples/blog', filenamePrefix: 'examples/blog/' });
    const { manifest } = await writeActionManifest({ projectDir, distDir, bundler: 'turbopack', nextVersion: '16.4.6', config, env: { NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: encryptionKey } });
    const create = manifest.actions.find((a) => a.id === ID.create)!;
    expect(create).toMatchObject({ file: 'app/actions.ts', ref: 'app/actions.ts#createPost', guarded: true });
  });

  test('records the checked-out commit from .git without running git, and honours SOURCE_DATE_EPOCH', async () => {
    const { projectDir, distDir, encryptionKey } = createProject();
    const sha = 'a'.repeat(40);
    mkdirSync(path.join(projectDir, '.git/refs/heads'), { recursive: true });
    writeFileSync(path.join(projectDir, '.git/HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(path.join(projectDir, '.git/packed-refs'), `# pack-refs with: peeled\n${sha} refs/heads/main\n`);
    const { manifest } = await writeActionManifest({
      projectDir, distDir, bundler: 'webpack', nextVersion: '16.4.6', config,
      env: { NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: encryptionKey, SOURCE_DATE_EPOCH: '1700000000' },
    });
    expect(manifest.gitCommit).toBe(sha);
    expect(manifest.createdAt).toBe('2023-11-14T22:13:20.000Z');
  });

  test('writes an empty manifest for an app with no Server Actions', async () => {
    const projectDir = mkdtempSync(path.join(tmpdir(), 'ag-empty-'));
    dirs.push(projectDir);
    const key = generateEncryptionKey();
    const { manifest, findings } = await writeActionManifest({ projectDir, distDir: '.next', bundler: 'turbopack', nextVersion: '16.4.6', config, env: { NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: key } });
    expect(manifest.actions).toEqual([]);
    expect(findings.map((f) => f.code)).toEqual(['AG302']);
  });
});

describe('mapConcurrently (the post-build step reads files with it)', () => {
  test('keeps input order and never has more than the limit in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const items = Array.from({ length: 40 }, (_, i) => i);
    const results = await mapConcurrently(items, 4, async (i) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      // Later items finish first, so order comes from the index, not from completion.
      await new Promise((resolve) => setTimeout(resolve, (40 - i) % 7));
      inFlight -= 1;
      return i * 2;
    });
    expect(results).toEqual(items.map((i) => i * 2));
    expect(most).toBe(4);
  });

  test('rejects with the first failure', async () => {
    await expect(mapConcurrently([1, 2, 3], 2, async (i) => {
      if (i === 2) throw new Error('unreadable');
      return i;
    })).rejects.toThrow('unreadable');
  });
});

describe('policy digests', () => {
  test('equal the sha256 of the RFC 8785 bytes of the policy, for the usual shape and for an unexpected one', async () => {
    const { buildManifest } = await import('../src/build-manifest.js');
    const { referenceCanonicalString } = await import('../src/canonical-bytes.js');
    const usual = policy({ roles: ['b', 'a'], dedupe: { source: 'key', name: 'k', ttlSeconds: 60 }, rateLimit: { limit: 5, windowSeconds: 60, by: 'ip' } });
    // A field the manifest does not know (from a newer transform) must be kept and still hashed canonically.
    const unusual = { ...policy(), extra: { z: 1, a: [true] } } as unknown as ReturnType<typeof policy>;
    for (const p of [usual, unusual]) {
      const { manifest } = buildManifest({
        serverReferenceManifest: { node: { [ID.create]: { workers: {}, filename: 'app/a.ts', exportedName: 'a' } }, edge: {} },
        records: [{ file: 'app/a.ts', sourceSha256: 'x', actions: [record('app/a.ts', 'a', { policy: p })] }],
        meta: { generator: { name: 'g', version: '1' }, nextVersion: '16', bundler: 'webpack', buildId: null, gitCommit: null, createdAt: 'now', encryptionKey: null },
        config,
      });
      const entry = manifest.actions[0]!;
      expect(entry.policy).toEqual(p);
      expect(entry.policyDigest).toBe(`sha256:${createHash('sha256').update(referenceCanonicalString(p)!).digest('hex')}`);
      expect(Buffer.from(canonicalBytes(manifest)).toString()).toBe(referenceCanonicalString(manifest));
    }
  });
});
