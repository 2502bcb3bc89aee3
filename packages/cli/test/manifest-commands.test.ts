import { buildManifest, canonicalBytes, canonicalString, generateSigningKeyPair, signManifest, type ActionManifest, type NormalizedPolicy } from '@action-guard/manifest';
import { describe, expect, test } from 'vitest';
import { diffManifestFiles, parseFailOn } from '../src/commands/manifest-diff.js';
import { showManifest } from '../src/commands/manifest-show.js';
import { verifyManifest } from '../src/commands/manifest-verify.js';
import { memoryContext, run, validateSarif } from './helpers.js';

const policy = (overrides: Partial<NormalizedPolicy> = {}): NormalizedPolicy => ({
  auth: 'required', publicReason: null, roles: [], authorize: null, schema: 'inputSchema', dedupe: null, rateLimit: null, fromRules: [], ...overrides,
});

/** A manifest built by the real builder from a server-reference manifest and records written as literals. */
function manifestWith(actions: Array<{ name: string; id: string; policy: NormalizedPolicy }>): ActionManifest {
  const file = 'app/actions.ts';
  return buildManifest({
    serverReferenceManifest: {
      node: Object.fromEntries(actions.map((a) => [a.id, { workers: { 'app/page': {} }, filename: file, exportedName: a.name }])),
      edge: {},
    },
    records: [{
      file, sourceSha256: 'x',
      actions: actions.map((a) => ({ ref: `${file}#${a.name}`, file, exportName: a.name, kind: 'export' as const, inlineIndex: null, loc: { line: 1, column: 0 }, policy: a.policy, guarded: true })),
    }],
    meta: {
      generator: { name: 'action-guard', version: 'test' }, nextVersion: '16.4.6', bundler: 'turbopack', buildId: 'b1', gitCommit: null,
      createdAt: '2026-11-22T00:00:00.000Z', encryptionKey: { fingerprint: 'hmac-sha256:abc', source: 'env' },
    },
    config: { manifest: { failOnUnguarded: true, requireSignature: false } },
    isReferencedByClient: () => true,
  }).manifest;
}

const id = (n: number) => `40${n.toString(16).padStart(40, '0')}`;
const BASE = manifestWith([
  { name: 'createInvoice', id: id(1), policy: policy({ roles: ['admin'] }) },
  { name: 'payInvoice', id: id(2), policy: policy({ rateLimit: { limit: 10, windowSeconds: 60, by: 'user' } }) },
]);

function signedProject(manifest: ActionManifest = BASE) {
  const keys = generateSigningKeyPair();
  const bytes = canonicalBytes(manifest);
  const { ctx, volume } = memoryContext({
    '.next/action-guard/manifest.json': Buffer.from(bytes).toString('utf8'),
    '.next/action-guard/manifest.dsse.json': `${canonicalString(signManifest(bytes, keys.privateKeyPem))}\n`,
    'keys/manifest-signing.pub.pem': keys.publicKeyPem,
  });
  return { ctx, volume, keys };
}

describe('manifest show', () => {
  test('reads .next/action-guard/manifest.json by default and prints one row per action', async () => {
    const { ctx } = signedProject();
    const result = await showManifest({}, ctx);
    expect(result.file).toBe('/project/.next/action-guard/manifest.json');
    expect(result.manifest.actions.map((a) => a.ref)).toEqual(['app/actions.ts#createInvoice', 'app/actions.ts#payInvoice']);
    const { code, stdout } = await run(['manifest', 'show'], ctx);
    expect(code).toBe(0);
    expect(stdout).toMatch(/next 16\.4\.6 \(turbopack\), build b1/);
    expect(stdout).toMatch(/app\/actions\.ts#payInvoice\s+4000000000…\s+export\s+required\s+-\s+inputSchema\s+-\s+10\/1m by:user\s+yes/);
  });

  test('shows an envelope’s payload but says the signature was not checked', async () => {
    const { ctx } = signedProject();
    const { stdout } = await run(['manifest', 'show', '.next/action-guard/manifest.dsse.json'], ctx);
    expect(stdout).toMatch(/signature NOT verified/);
  });

  test('names the missing file and how to produce it, with exit code 2', async () => {
    const { ctx } = memoryContext({});
    const { code, stderr } = await run(['manifest', 'show'], ctx);
    expect(code).toBe(2);
    expect(stderr).toMatch(/manifest not found: \/project\/\.next\/action-guard\/manifest\.json/);
    expect(stderr).toMatch(/fix: run `next build` with withActionGuard\(\)/);
  });

  test('recognises Next’s own server-reference manifest passed by mistake', async () => {
    const { ctx } = memoryContext({ 'srm.json': JSON.stringify({ node: {}, edge: {}, encryptionKey: 'k' }) });
    const { code, stderr } = await run(['manifest', 'show', 'srm.json'], ctx);
    expect(code).toBe(2);
    expect(stderr).toMatch(/server-reference-manifest\.json, not action-guard's manifest/);
    expect(stderr).not.toContain('"k"');
  });
});

describe('manifest verify', () => {
  test('verifies the default directory with a public key file, and checks manifest.json is the signed payload', async () => {
    const { ctx, keys } = signedProject();
    const result = await verifyManifest({ publicKey: 'keys/manifest-signing.pub.pem' }, ctx);
    expect(result).toMatchObject({ ok: true, keyid: keys.keyid, actions: 2, manifestFile: '/project/.next/action-guard/manifest.json' });
    const { code, stdout } = await run(['manifest', 'verify', `--public-key=${keys.publicKeyPem}`], ctx);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^verified: /);
  });

  test('fails with exit 1 when manifest.json was edited after signing', async () => {
    const { ctx, volume } = signedProject();
    const path = '/project/.next/action-guard/manifest.json';
    volume.writeFileSync(path, (volume.readFileSync(path, 'utf8') as string).replace('"admin"', '"guest"'));
    const { code, stdout } = await run(['manifest', 'verify', '.next/action-guard', '--public-key', 'keys/manifest-signing.pub.pem'], ctx);
    expect(code).toBe(1);
    expect(stdout).toMatch(/VERIFICATION FAILED \(manifest-mismatch\)/);
  });

  test('fails with exit 1 against another key', async () => {
    const { ctx } = signedProject();
    const other = generateSigningKeyPair();
    const { code, stdout } = await run(['manifest', 'verify', '--public-key', Buffer.from(other.publicKeyPem).toString('base64')], ctx);
    expect(code).toBe(1);
    expect(stdout).toMatch(/no-signature-for-key/);
  });

  test('is a usage error (exit 2) without --public-key or with an unreadable key', async () => {
    const { ctx } = signedProject();
    expect((await run(['manifest', 'verify'], ctx)).code).toBe(2);
    const missing = await run(['manifest', 'verify', '--public-key', 'nope.pem'], ctx);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/public key file not found: \/project\/nope\.pem/);
  });
});

describe('manifest diff', () => {
  const weakened = manifestWith([
    { name: 'createInvoice', id: id(1), policy: policy({ roles: ['admin', 'support'] }) },
    { name: 'payInvoice', id: id(2), policy: policy({ rateLimit: { limit: 10, windowSeconds: 60, by: 'user' } }) },
    { name: 'exportAll', id: id(3), policy: policy({ auth: 'public', publicReason: 'oops' }) },
  ]);
  const files = { 'old.json': canonicalString(BASE), 'new.json': canonicalString(weakened), 'same.json': canonicalString(BASE) };

  test('classifies a widened role list and a new public action, and fails on them by default', async () => {
    const { ctx } = memoryContext(files);
    const result = await diffManifestFiles({ old: 'old.json', new: 'new.json' }, ctx);
    expect(result.changes.map((c) => [c.class, c.ref])).toEqual([
      ['added-public', 'app/actions.ts#exportAll'],
      ['weakened', 'app/actions.ts#createInvoice'],
    ]);
    const { code, stdout } = await run(['manifest', 'diff', 'old.json', 'new.json'], ctx);
    expect(code).toBe(1);
    expect(stdout).toMatch(/weakened\s+app\/actions\.ts#createInvoice\s+roles widened: admin → admin, support/);
    expect(stdout).toMatch(/FAILED: 2 change\(s\) in --fail-on \(added-public, weakened\)/);
  });

  test('reports a removed @revalidates target as weakened and an added one as strengthened', async () => {
    const target = (value: string) => ({ kind: 'tag' as const, value, profile: null });
    const before = manifestWith([{ name: 'payInvoice', id: id(2), policy: policy({ revalidates: [target('invoices'), target('payments')] }) }]);
    const after = manifestWith([{ name: 'payInvoice', id: id(2), policy: policy({ revalidates: [target('payments'), target('receipts')] }) }]);
    const { ctx } = memoryContext({ 'old.json': canonicalString(before), 'new.json': canonicalString(after) });
    const { code, stdout } = await run(['manifest', 'diff', 'old.json', 'new.json'], ctx);
    expect(code).toBe(1);
    expect(stdout).toMatch(/weakened\s+app\/actions\.ts#payInvoice\s+revalidation removed: tag:invoices/);
    const [change] = (await diffManifestFiles({ old: 'old.json', new: 'new.json' }, ctx)).changes;
    expect(change).toMatchObject({ class: 'weakened', reasons: ['revalidation removed: tag:invoices'], strengthenedBy: ['revalidation added: tag:receipts'] });
  });

  test('passes when --fail-on does not include the classes found, and when nothing changed', async () => {
    const { ctx } = memoryContext(files);
    expect((await run(['manifest', 'diff', 'old.json', 'new.json', '--fail-on', 'removed'], ctx)).code).toBe(0);
    expect((await run(['manifest', 'diff', 'old.json', 'same.json'], ctx)).code).toBe(0);
  });

  test('rejects an unknown class in --fail-on with the list of valid ones', () => {
    expect(() => parseFailOn('added,weaker')).toThrow(/unknown change class "weaker"/);
    expect(parseFailOn('none')).toEqual([]);
  });

  test('writes Markdown for a pull-request comment and SARIF the official schema accepts', async () => {
    const { ctx } = memoryContext(files);
    const md = (await run(['manifest', 'diff', 'old.json', 'new.json', '--format', 'markdown'], ctx)).stdout;
    expect(md).toMatch(/^\| added-public \| app\/actions\.ts#exportAll \| new @public action: oops \|$/m);
    const sarif = JSON.parse((await run(['manifest', 'diff', 'old.json', 'new.json', '--format', 'sarif'], ctx)).stdout) as unknown;
    expect(validateSarif(sarif)).toEqual({ valid: true, errors: null });
  });
});

describe('SARIF validation in these tests', () => {
  test('rejects a log the official schema does not allow, so the checks above can fail', () => {
    expect(validateSarif({ version: '2.1.0', runs: [{ tool: {} }] }).valid).toBe(false);
    expect(validateSarif({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x', informationUri: 'not a uri' } } }] }).valid).toBe(false);
  });
});

describe('manifest verify on an unsigned build', () => {
  test('fails verification (exit 1) and says how to sign', async () => {
    const { ctx } = memoryContext({ '.next/action-guard/manifest.json': canonicalString(BASE), 'pub.pem': generateSigningKeyPair().publicKeyPem });
    const { code, stdout } = await run(['manifest', 'verify', '.next/action-guard', '--public-key', 'pub.pem'], ctx);
    expect(code).toBe(1);
    expect(stdout).toMatch(/VERIFICATION FAILED \(missing-envelope\)/);
    expect(stdout).toMatch(/build with ACTION_GUARD_SIGNING_KEY set/);
  });
});
