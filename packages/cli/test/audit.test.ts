import { describe, expect, test } from 'vitest';
import { audit } from '../src/commands/audit.js';
import { defaultContext } from '../src/context.js';
import { manifestEntry, manifestOf, run, tempProject, validateSarif } from './helpers.js';

const PROJECT = {
  'action-guard.config.json': JSON.stringify({ rules: { 'app/admin/**': { role: ['admin'] } } }),
  'app/posts/actions.ts': [
    '"use server";',
    "const createPostSchema = { '~standard': { version: 1, vendor: 'test', validate: (v: unknown) => ({ value: v }) } };",
    '',
    '/**',
    ' * @requiresAuth',
    ' * @schema createPostSchema',
    ' * @rateLimit 10/1m',
    ' */',
    'export async function createPost(input: unknown) {',
    '  return input;',
    '}',
    '',
    '/** @requireAuth */',
    'export async function deletePost() {}',
    '',
  ].join('\n'),
  'app/admin/actions.ts': '"use server";\n\nexport async function purgeCache() {}\n',
  'app/page.tsx': 'export default function Page() { return null; }\n',
  'node_modules/some-lib/actions.js': '"use server";\nexport async function ignored() {}\n',
  '.next/server/app/chunk.js': '"use server";\nexport async function alsoIgnored() {}\n',
  // A dist directory renamed with `distDir: 'build'` is recognised by its build manifest.
  'build/build-manifest.json': '{}',
  'build/server/app/page.js': '"use server";\nexport async function compiled() {}\n',
};

describe('audit', () => {
  test('analyses every "use server" file of the app with the config, and nothing in node_modules or .next', async () => {
    const root = tempProject(PROJECT);
    const result = await audit({}, defaultContext({ cwd: root }));
    expect(result.files).toEqual(['app/admin/actions.ts', 'app/posts/actions.ts']);
    expect(result.actions.map((a) => a.ref)).toEqual(['app/admin/actions.ts#purgeCache', 'app/posts/actions.ts#createPost', 'app/posts/actions.ts#deletePost']);
    // The directory rule applies: purgeCache needs the admin role without a tag of its own.
    expect(result.actions[0]!.policy).toMatchObject({ auth: 'required', roles: ['admin'], fromRules: ['app/admin/**'] });
    expect(result.actions[1]!.policy).toMatchObject({ schema: 'createPostSchema', rateLimit: { limit: 10, windowSeconds: 60, by: 'user' } });
  });

  test('reports a misspelt tag as an error at its file:line:col, with the fix', async () => {
    const root = tempProject(PROJECT);
    const result = await audit({}, defaultContext({ cwd: root }));
    const typo = result.diagnostics.find((d) => d.name === 'unknown-tag');
    expect(typo).toMatchObject({ severity: 'error', file: 'app/posts/actions.ts', line: 13 });
    expect(typo!.message + typo!.fix).toMatch(/requiresAuth/);
    expect(result.errors).toBeGreaterThan(0);
  });

  test('prints the findings and the action table, and exits 1 on an error', async () => {
    const root = tempProject(PROJECT);
    const { code, stdout } = await run(['audit', '--cwd', root]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/app\/posts\/actions\.ts:13:\d+ error AG\d+ unknown-tag/);
    expect(stdout).toMatch(/^ref\s+kind\s+auth\s+roles\s+schema\s+dedupe\s+rate limit$/m);
    expect(stdout).toMatch(/app\/posts\/actions\.ts#createPost\s+export\s+required\s+-\s+createPostSchema\s+-\s+10\/1m by:user/);
    expect(stdout).toMatch(/3 actions in 2 files: \d+ errors?/);
  });

  test('lists "use cache" functions as kind cache, and reports one whose policy cannot hold', async () => {
    const root = tempProject({
      'app/page.tsx': [
        'export default async function Page() {',
        '  /** @public The same banner for everyone. */',
        '  async function banner() { "use cache"; return "hi"; }',
        '  /** @requiresAuth */',
        '  async function mine() { "use cache"; return "mine"; }',
        '  return [await banner(), await mine()];',
        '}',
        '',
      ].join('\n'),
    });
    const { code, stdout } = await run(['audit', '--cwd', root]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/app\/page\.tsx:4:\d+ error AG115 cache-function-policy/);
    expect(stdout).toMatch(/app\/page\.tsx#Page\/banner\s+cache\s+public/);
    expect(stdout).toMatch(/app\/page\.tsx#Page\/mine\s+cache\s+required/);
  });

  test('exits 0 for a project whose actions all pass', async () => {
    const root = tempProject({ 'app/actions.ts': '"use server";\n/** @public health check */\nexport async function ping() { return "pong"; }\n' });
    const { code, stdout } = await run(['audit', '--cwd', root]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/1 action in 1 file: 0 errors, 0 warnings/);
  });

  test('writes SARIF 2.1.0 that the official schema accepts, one result per finding', async () => {
    const root = tempProject(PROJECT);
    const { stdout } = await run(['audit', '--cwd', root, '--format', 'sarif']);
    const log = JSON.parse(stdout) as { runs: Array<{ results: Array<{ ruleId: string; locations: unknown[] }>; tool: { driver: { rules: unknown[] } } }> };
    const { valid, errors } = validateSarif(log);
    expect(errors).toBeNull();
    expect(valid).toBe(true);
    const direct = await audit({}, defaultContext({ cwd: root }));
    expect(log.runs[0]!.results.map((r) => r.ruleId)).toEqual(direct.diagnostics.map((d) => d.code));
    expect(log.runs[0]!.tool.driver.rules.length).toBeGreaterThan(5);
  });

  test('writes JSON with the same findings and Markdown tables for a pull-request comment', async () => {
    const root = tempProject(PROJECT);
    const json = JSON.parse((await run(['audit', '--cwd', root, '--format', 'json'])).stdout) as { diagnostics: Array<{ code: string }>; errors: number };
    expect(json.errors).toBeGreaterThan(0);
    const { stdout } = await run(['audit', '--cwd', root, '--format', 'markdown']);
    expect(stdout).toMatch(/^### action-guard audit$/m);
    expect(stdout).toMatch(/^\| severity \| code \| where \| message \| fix \|$/m);
    expect(stdout).toMatch(/^\| app\/posts\/actions\.ts#createPost \| export \| required \|/m);
  });

  test('adds what only a build can tell from the last build’s manifest: every unguarded entry, and warnings for actions still in the source', async () => {
    const manifest = manifestOf([
      manifestEntry('app/posts/actions.ts#createPost', { referencedByClient: false, location: { line: 9, column: 7 } }),
      manifestEntry('app/admin/actions.ts#purgeCache', { guarded: false }), // guarded in the source since
      manifestEntry('app/gone.ts#removed', { referencedByClient: false }), // no longer in the source: stale
      manifestEntry('node_modules/lib/actions.js#leak', { policy: null, referencedByClient: false }),
    ]);
    const root = tempProject({ ...PROJECT, '.next/action-guard/manifest.json': JSON.stringify(manifest) });
    const result = await audit({}, defaultContext({ cwd: root }));
    expect(result.manifestFile).toBe(`${root}/.next/action-guard/manifest.json`);
    expect(result.manifestFindings.map((f) => `${f.severity} ${f.code} ${f.ref} ${f.file}:${f.line ?? '-'}`)).toEqual([
      // Unguarded in the last build: reported even though the source guards it now (that build is what would deploy).
      'error AG301 app/admin/actions.ts#purgeCache app/admin/actions.ts:-',
      'warning AG304 app/posts/actions.ts#createPost app/posts/actions.ts:9',
      'error AG301 node_modules/lib/actions.js#leak node_modules/lib/actions.js:-',
      'warning AG304 node_modules/lib/actions.js#leak node_modules/lib/actions.js:-',
    ]);
    const { stdout } = await run(['audit', '--cwd', root]);
    expect(stdout).toMatch(/From the last build \(.*manifest\.json\):/);
    expect(stdout).toMatch(/app\/posts\/actions\.ts:9:\d+ warning AG304 unreferenced-action/);
    const sarif = JSON.parse((await run(['audit', '--cwd', root, '--format', 'sarif'])).stdout) as { runs: Array<{ results: Array<{ ruleId: string }> }> };
    expect(validateSarif(sarif).valid).toBe(true);
    expect(sarif.runs[0]!.results.map((r) => r.ruleId)).toContain('AG304');

    const quiet = tempProject({
      ...PROJECT,
      'action-guard.config.json': JSON.stringify({ checks: { 'unreferenced-action': 'off' } }),
      '.next/action-guard/manifest.json': JSON.stringify(manifest),
    });
    expect((await audit({}, defaultContext({ cwd: quiet }))).manifestFindings.map((f) => f.code)).toEqual(['AG301', 'AG301']);
    // The same words as the build's post-build step, which the equivalence test checks against a real build.
    expect(result.manifestFindings[1]!.message).toBe('app/posts/actions.ts#createPost is registered and callable by id, but no client JavaScript references it (vercel/next.js#63804)');
  });

  test('stays quiet about AG304 for an action a Server Component passes to <form action>, like the build', async () => {
    const manifest = manifestOf([manifestEntry('app/posts/actions.ts#createPost', { referencedByClient: false, location: { line: 9, column: 7 } })]);
    const root = tempProject({
      ...PROJECT,
      '.next/action-guard/manifest.json': JSON.stringify(manifest),
      'app/posts/page.tsx': "import { createPost } from './actions';\nexport default function Page() {\n  return <form action={createPost} />;\n}\n",
    });
    expect((await audit({}, defaultContext({ cwd: root }))).manifestFindings.map((f) => f.code)).toEqual([]);
  });

  test('exits 2 and names the config file and the bad key when the config is invalid', async () => {
    const root = tempProject({ ...PROJECT, 'action-guard.config.json': JSON.stringify({ rulez: {} }) });
    const { code, stderr } = await run(['audit', '--cwd', root]);
    expect(code).toBe(2);
    expect(stderr).toContain('action-guard.config.json');
    expect(stderr).toMatch(/rulez/);
  });
});

describe('audit shows @revalidates targets', () => {
  test('with the directory rule\'s targets, in a column that appears only when some action revalidates', async () => {
    const root = tempProject({
      'action-guard.config.json': JSON.stringify({ rules: { 'app/invoices/**': { requiresAuth: true, revalidates: 'tag:invoices' } } }),
      'app/invoices/actions.ts': [
        '"use server";',
        "const Input = { '~standard': { version: 1, vendor: 'test', validate: (v: unknown) => ({ value: v }) } };",
        '/**',
        ' * @schema Input',
        ' * @revalidates path:/invoices/{invoiceId} tag:posts max',
        ' */',
        'export async function payInvoice(input: unknown) {',
        '  return input;',
        '}',
        '',
      ].join('\n'),
    });
    const result = await audit({}, defaultContext({ cwd: root }));
    expect(result.actions[0]!.policy.revalidates).toEqual([
      { kind: 'path', value: '/invoices/{invoiceId}', profile: null },
      { kind: 'tag', value: 'invoices', profile: null },
      { kind: 'tag', value: 'posts', profile: 'max' },
    ]);
    const { code, stdout } = await run(['audit', '--cwd', root]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ref\s+kind\s+auth\s+roles\s+schema\s+dedupe\s+rate limit\s+revalidates$/m);
    // Long cells are cut in the table (the JSON format has them whole).
    expect(stdout).toMatch(/#payInvoice\s.*\spath:\/invoices\/\{invoiceId\} tag:invoices tag:pos/);
    // Without any target the table keeps its columns.
    expect((await run(['audit', '--cwd', tempProject(PROJECT)])).stdout).not.toMatch(/revalidates/);
  });
});
