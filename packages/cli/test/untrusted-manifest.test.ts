import { canonicalBytes, canonicalString, generateSigningKeyPair, signManifest, type ActionManifest } from '@action-guard/manifest';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { displaySafe, escapeControl, escapeJsonText } from '../src/render/escape.js';
import { manifestEntry, manifestOf, memoryContext, run, tempProject, validateSarif } from './helpers.js';

// Security issue #14, part D, from the attacker's side: what a manifest.json from the last build or the last deploy
// (unverified, possibly tampered with) could make the CLI do before these fixes, and what it does now.

/** Characters that reach a terminal or a viewer raw only by mistake (C0 but \n, DEL, C1, bidi, separators). */
const RAW_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const STACK_LINE = /^\s+at .+\(?.*:\d+:\d+\)?$/m;

const SOURCE = {
  'app/actions.ts': '"use server";\n/** @requiresAuth */\nexport async function save() {}\n',
};

describe('attack: audit passes (0 errors, exit 0) while the last build lists unguarded actions', () => {
  const formats = ['table', 'json', 'sarif', 'markdown'] as const;

  async function auditAllFormats(root: string) {
    return Object.fromEntries(await Promise.all(formats.map(async (f) => [f, await run(['audit', '--cwd', root, '--format', f])] as const)));
  }

  test('an entry with guarded: false is an error in every format, though the source guards the action now', async () => {
    // Before: skipped as "stale" because the source guards it, so the gate passed a build that serves it unguarded.
    const manifest = manifestOf([manifestEntry('app/actions.ts#save', { guarded: false })]);
    const root = tempProject({ ...SOURCE, '.next/action-guard/manifest.json': canonicalString(manifest) });
    const out = await auditAllFormats(root);
    for (const f of formats) expect(out[f]!.code, f).toBe(1);
    expect(out.table!.stdout).toMatch(/app\/actions\.ts error AG301 unguarded-action: the Server Action app\/actions\.ts#save is registered but was not wrapped/);
    expect(out.table!.stdout).toMatch(/fix: the source guards app\/actions\.ts#save now, but the last build did not: rebuild/);
    expect(out.table!.stdout).toMatch(/1 action in 1 file: 1 error, 0 warnings/);
    const json = JSON.parse(out.json!.stdout) as { errors: number; manifestFindings: Array<{ code: string; severity: string; ref: string }> };
    expect(json.errors).toBe(1);
    expect(json.manifestFindings).toMatchObject([{ code: 'AG301', severity: 'error', ref: 'app/actions.ts#save' }]);
    const sarif = JSON.parse(out.sarif!.stdout) as { runs: Array<{ results: Array<{ ruleId: string; level: string }> }> };
    expect(validateSarif(sarif).valid).toBe(true);
    expect(sarif.runs[0]!.results).toMatchObject([{ ruleId: 'AG301', level: 'error' }]);
    expect(out.markdown!.stdout).toMatch(/^\| error \| AG301 unguarded-action \| app\/actions\.ts \|/m);
    expect(out.markdown!.stdout).toMatch(/\*\*1 action in 1 file: 1 error, 0 warnings\*\*/);
  });

  test('an unguarded entry for a file audit does not analyse (a dot-directory, a deleted file) is an error', async () => {
    // Before: "app code no longer in the source" was skipped, so an action built from .hidden/ passed the gate.
    const manifest = manifestOf([
      manifestEntry('.hidden/actions.ts#leak', { policy: null }),
      manifestEntry('app/gone.ts#old', { guarded: false }),
      manifestEntry('app/gone.ts#fine', { referencedByClient: false }), // a warning about a gone action stays skipped
    ]);
    const root = tempProject({ ...SOURCE, '.hidden/actions.ts': '"use server";\nexport async function leak() {}\n', '.next/action-guard/manifest.json': canonicalString(manifest) });
    const { code, stdout } = await run(['audit', '--cwd', root, '--format', 'json']);
    expect(code).toBe(1);
    const result = JSON.parse(stdout) as { errors: number; warnings: number; manifestFindings: Array<{ code: string; ref: string }> };
    expect(result.manifestFindings.map((f) => `${f.code} ${f.ref}`)).toEqual(['AG301 .hidden/actions.ts#leak', 'AG301 app/gone.ts#old']);
    expect([result.errors, result.warnings]).toEqual([2, 0]);
  });

  test('a manifest that is not valid is an error naming the field, not silently ignored', async () => {
    // Before: any parse failure made audit act as if there were no build (0 errors), so one mistyped field in an
    // otherwise real manifest hid every unguarded action in it.
    const manifest = manifestOf([manifestEntry('app/actions.ts#save', { guarded: false })]) as unknown as { actions: Array<Record<string, unknown>> };
    manifest.actions[0]!.workers = 'app/page';
    const root = tempProject({ ...SOURCE, '.next/action-guard/manifest.json': JSON.stringify(manifest) });
    const { code, stdout, stderr } = await run(['audit', '--cwd', root]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${root}/.next/action-guard/manifest.json: actions[0].workers: expected an array of strings, got "app/page"`);
    expect(stderr).not.toMatch(STACK_LINE);
  });

  test('an entry forged as guarded: true with no policy is rejected instead of passing as protected', async () => {
    // Before: findings skip guarded entries, so { guarded: true, policy: null } read as a protected action.
    const forged = manifestOf([manifestEntry('app/actions.ts#save')]) as unknown as { actions: Array<Record<string, unknown>> };
    Object.assign(forged.actions[0]!, { policy: null, policyDigest: null, guarded: true });
    const root = tempProject({ ...SOURCE, '.next/action-guard/manifest.json': JSON.stringify(forged) });
    const { code, stderr } = await run(['audit', '--cwd', root]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/manifest\.json: actions\[0\]\.policy: expected a policy object for an action with "guarded": true, got null/);
  });

  test('the manifest of a renamed distDir is read too', async () => {
    // Before: only .next/ was looked at, so `distDir: 'build'` turned the build checks off.
    const manifest = manifestOf([manifestEntry('node_modules/lib/a.js#leak', { policy: null })]);
    const root = tempProject({ ...SOURCE, 'build/BUILD_ID': 'x', 'build/action-guard/manifest.json': canonicalString(manifest) });
    const { code, stdout } = await run(['audit', '--cwd', root]);
    expect(code).toBe(1);
    expect(stdout).toContain(`From the last build (${root}/build/action-guard/manifest.json)`);
    expect(stdout).toMatch(/error AG301 unguarded-action: Next registered the Server Action node_modules\/lib\/a\.js#leak/);
  });

  test('only an explicit relaxation in the config turns the finding into a warning, as in the build', async () => {
    const manifest = manifestOf([manifestEntry('app/actions.ts#save', { guarded: false })]);
    const root = tempProject({
      ...SOURCE,
      'action-guard.config.json': JSON.stringify({ manifest: { failOnUnguarded: false } }),
      '.next/action-guard/manifest.json': canonicalString(manifest),
    });
    const { code, stdout } = await run(['audit', '--cwd', root]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/warning AG301 unguarded-action/);
  });
});

describe('attack: manifest fields rewrite the terminal or the pull-request comment', () => {
  // ESC [2J clears the screen, ESC ]0; sets the window title, U+009B is CSI on its own, U+202E reverses what follows.
  const EVIL = 'x\u001b[2J\u001b]0;pwned\u0007\u009b31m\u202egnp.exe\u2066\r\nverified: OK\u007f';
  function evilManifest(): ActionManifest {
    return manifestOf(
      [
        manifestEntry(`app/actions.ts#save${EVIL}`, { file: `app/actions.ts${EVIL}`, policy: { auth: 'public', publicReason: `why | ${EVIL}`, roles: [EVIL], authorize: null, schema: EVIL, dedupe: null, rateLimit: null, fromRules: [] } }),
        manifestEntry('app/actions.ts#plain'),
      ],
      { buildId: EVIL, gitCommit: EVIL, next: { version: EVIL }, createdAt: EVIL, encryptionKey: { fingerprint: EVIL, source: 'env' } },
    );
  }

  test('manifest show prints every field with its control and bidi characters escaped, in table and Markdown', async () => {
    // Before: printed raw, so `manifest show` of a downloaded manifest cleared the screen and forged a line.
    const { ctx } = memoryContext({ 'm.json': canonicalString(evilManifest()) });
    for (const format of ['table', 'markdown']) {
      const { code, stdout } = await run(['manifest', 'show', 'm.json', '--format', format], ctx);
      expect(code).toBe(0);
      expect(stdout).not.toMatch(RAW_UNSAFE);
      // Markdown also escapes the backslash and the bracket, which render as the same visible text.
      const visible = format === 'markdown' ? stdout.replace(/\\([\\[\]|`*_])/g, '$1') : stdout;
      expect(visible).toContain('\\x1b[2J');
      expect(visible).toContain('\\x9b31m');
      expect(visible).toContain('\\u202egnp');
      expect(stdout).not.toMatch(/^verified: OK/m);
    }
  });

  test('a Markdown cell cannot break out of its cell or row, nor open a link or render an entity', async () => {
    const manifest = manifestOf([manifestEntry('app/a.ts#x|y', { policy: null, file: 'app/a.ts\n| forged | row |' }), manifestEntry('app/b.ts#[click](https://evil)&#x202e;')]);
    const { ctx } = memoryContext({ 'old.json': canonicalString(manifestOf([])), 'new.json': canonicalString(manifest) });
    const { stdout } = await run(['manifest', 'show', 'new.json', '--format', 'markdown'], ctx);
    const rows = stdout.split('\n').filter((l) => l.startsWith('| app/'));
    expect(rows).toHaveLength(2);
    // Every row keeps the header's cells: no unescaped pipe was added.
    const cells = (line: string) => line.split(/(?<!\\)\|/).length - 2;
    const header = stdout.split('\n').find((l) => l.startsWith('| ref '))!;
    expect(cells(header)).toBeGreaterThan(5);
    for (const row of rows) expect(cells(row)).toBe(cells(header));
    expect(stdout).not.toMatch(/^\| forged/m);
    expect(stdout).toContain('\\[click\\](https://evil)&amp;#x202e;');
    const diff = (await run(['manifest', 'diff', 'old.json', 'new.json', '--format', 'markdown', '--fail-on', 'none'], ctx)).stdout;
    expect(diff.split('\n').filter((l) => l.startsWith('| added'))).toHaveLength(2);
  });

  test('manifest diff escapes refs and reasons in table, Markdown and SARIF, and JSON keeps the exact values', async () => {
    const { ctx } = memoryContext({ 'old.json': canonicalString(manifestOf([])), 'new.json': canonicalString(evilManifest()) });
    for (const format of ['table', 'markdown', 'sarif']) {
      const { code, stdout } = await run(['manifest', 'diff', 'old.json', 'new.json', '--format', format], ctx);
      expect(code).toBe(1); // added-public
      expect(stdout, format).not.toMatch(RAW_UNSAFE);
    }
    const sarif = (await run(['manifest', 'diff', 'old.json', 'new.json', '--format', 'sarif'], ctx)).stdout;
    expect(validateSarif(JSON.parse(sarif))).toEqual({ valid: true, errors: null });
    expect(JSON.stringify(JSON.parse(sarif))).toContain('\\\\x1b[2J'); // the message says \x1b in visible text
    const json = (await run(['manifest', 'diff', 'old.json', 'new.json', '--format', 'json'], ctx)).stdout;
    expect(json).not.toMatch(RAW_UNSAFE);
    expect(json).toContain('\\u009b31m\\u202egnp');
    const parsed = JSON.parse(json) as { changes: Array<{ ref: string }> };
    expect(parsed.changes.map((c) => c.ref)).toContain(`app/actions.ts#save${EVIL}`);
  });

  test('audit escapes findings from the manifest in every format', async () => {
    const manifest = manifestOf([manifestEntry(`node_modules/x.js#a${EVIL}`, { policy: null })]);
    const root = tempProject({ ...SOURCE, '.next/action-guard/manifest.json': canonicalString(manifest) });
    for (const format of ['table', 'json', 'sarif', 'markdown']) {
      const { code, stdout } = await run(['audit', '--cwd', root, '--format', format]);
      expect(code, format).toBe(1);
      expect(stdout, format).not.toMatch(RAW_UNSAFE);
    }
  });

  test('keeps the line breaks of a code frame but escapes an escape sequence inside it', async () => {
    const root = tempProject({ 'app/actions.ts': '"use server";\n/** @requireAuth \u001b[2J */\nexport async function save() {}\n' });
    const { stdout } = await run(['audit', '--cwd', root]);
    expect(stdout).not.toMatch(RAW_UNSAFE);
    expect(stdout).toContain('\\x1b[2J');
    expect(stdout).toMatch(/^\s*>?\s*2 \|/m); // the frame is still several lines
  });

  test('error messages quoting a field are escaped too (stderr)', async () => {
    const bad = manifestOf([manifestEntry('app/a.ts#x')]) as unknown as { actions: Array<Record<string, unknown>> };
    bad.actions[0]!.kind = `\u009b2J\u202e`;
    const { ctx } = memoryContext({ 'm.json': JSON.stringify(bad) });
    const { code, stderr } = await run(['manifest', 'show', 'm.json'], ctx);
    expect(code).toBe(2);
    expect(stderr).not.toMatch(RAW_UNSAFE);
    expect(stderr).toContain('actions[0].kind: expected "export" or "inline" or "cache", got "\\x9b2J\\u202e"');
  });

  test('escapeControl, escapeJsonText and displaySafe', () => {
    expect(escapeControl('a\u001b[1mb\nc\u009b\u202e\u2067\u007f')).toBe('a\\x1b[1mb\\nc\\x9b\\u202e\\u2067\\x7f');
    expect(escapeControl('a\nb\r', { keepNewlines: true })).toBe('a\nb\\r');
    expect(escapeJsonText(JSON.stringify({ a: '\u009b\u202e\u001b' }))).toBe('{"a":"\\u009b\\u202e\\u001b"}');
    expect(displaySafe({ frame: 'a\nb\u001b', message: 'a\nb', list: ['\u202e'], n: 1, ok: true, none: null })).toEqual({
      frame: 'a\nb\\x1b', message: 'a\\nb', list: ['\\u202e'], n: 1, ok: true, none: null,
    });
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(escapeControl(text)).not.toMatch(RAW_UNSAFE);
        expect(escapeControl(text)).not.toContain('\n');
        expect(JSON.parse(escapeJsonText(JSON.stringify(text)))).toBe(text);
        expect(escapeJsonText(JSON.stringify(text))).not.toMatch(RAW_UNSAFE);
      }),
    );
  });
});

describe('attack: a malformed manifest crashes a command with a stack trace', () => {
  const valid = manifestOf([manifestEntry('app/a.ts#x'), manifestEntry('app/a.ts#y', { kind: 'inline', exportName: null })]);
  const broken = (change: (m: any) => void) => {
    const copy = JSON.parse(canonicalString(valid));
    change(copy);
    return JSON.stringify(copy);
  };

  // Every command that reads a manifest, with the file it reads.
  const commands = (file: string) => [
    ['manifest', 'show', file],
    ['manifest', 'show', file, '--format', 'json'],
    ['manifest', 'diff', 'good.json', file],
    ['manifest', 'diff', file, 'good.json'],
    ['keys', 'check', '--manifest', file],
    ['keys', 'rotate', '--env-file', '.env', '--manifest', file],
  ];
  const env = { NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') };

  test.each([
    ['a mistyped rate limit', broken((m) => (m.actions[0].policy.rateLimit = { limit: 'x', windowSeconds: 60, by: 'user' })), 'actions[0].policy.rateLimit.limit: expected a positive integer, got "x"'],
    ['a missing nested field', broken((m) => delete m.next), 'next: expected an object, got nothing (the field is missing)'],
    ['a policy of the wrong type', broken((m) => (m.actions[1].policy = [])), 'actions[1].policy: expected an object or null, got an array'],
    ['text that is not JSON', '{"schemaVersion": 1, "actions": [', 'not valid JSON'],
    ['an envelope whose payload is not JSON', JSON.stringify({ payloadType: 'x', payload: 'bm90IGpzb24=', signatures: [] }), 'a DSSE envelope whose payload is not JSON'],
    ['an envelope whose payload is a bad manifest', JSON.stringify({ payloadType: 'x', payload: Buffer.from(broken((m) => (m.actions[0].guarded = 'yes'))).toString('base64'), signatures: [] }), 'payload: actions[0].guarded: expected a boolean, got "yes"'],
  ])('%s: every command exits 2 with the file and the field, never a stack', async (_name, text, expected) => {
    // Before: `manifest show` of { next: undefined } threw "Cannot read properties of undefined (reading 'version')"
    // and printed the stack as an internal error.
    for (const argv of commands('bad.json')) {
      const { ctx, read } = memoryContext({ 'bad.json': text, 'good.json': canonicalString(valid), '.env': 'A=1\n' }, env);
      const { code, stdout, stderr } = await run(argv, ctx);
      expect(code, argv.join(' ')).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(`/project/bad.json: `);
      expect(stderr).toContain(expected);
      expect(stderr).toMatch(/\nfix: /);
      expect(stderr).not.toMatch(STACK_LINE);
      expect(stderr).not.toContain('internal error');
      expect(read('.env')).toBe('A=1\n'); // keys rotate fails before touching the env file
    }
  });

  test('missing files and a directory without a manifest are located errors, not stacks', async () => {
    const { ctx } = memoryContext({ 'empty/readme.txt': '' });
    for (const argv of [['manifest', 'show', 'nope.json'], ['manifest', 'show', 'empty'], ['manifest', 'diff', 'a.json', 'b.json'], ['keys', 'check', '--manifest', 'nope.json']]) {
      const { code, stderr } = await run(argv, ctx);
      expect(code).toBe(2);
      expect(stderr).toMatch(/manifest not found: \/project\/(nope|empty\/manifest|a)\.json/);
      expect(stderr).not.toMatch(STACK_LINE);
    }
    const missingCwd = await run(['audit', '--cwd', '/nonexistent/project']);
    expect(missingCwd.code).toBe(2);
    expect(missingCwd.stderr).toMatch(/--cwd: \/nonexistent\/project is not a directory/);
  });

  test('manifest verify fails a validly signed payload that is not a valid manifest (exit 1), and a malformed envelope', async () => {
    const keys = generateSigningKeyPair();
    const payload = canonicalBytes({ ...valid, actions: [{ ...valid.actions[0], guarded: 'yes' }] });
    const { ctx } = memoryContext({ 'out/manifest.dsse.json': canonicalString(signManifest(payload, keys.privateKeyPem)), 'bad/manifest.dsse.json': '{"payload":', 'pub.pem': keys.publicKeyPem });
    // Before: "verified", with a count read from whatever the payload held.
    const signed = await run(['manifest', 'verify', 'out', '--public-key', 'pub.pem'], ctx);
    expect(signed.code).toBe(1);
    expect(signed.stdout).toMatch(/VERIFICATION FAILED \(invalid-manifest\)/);
    expect(signed.stdout).toContain('payload: actions[0].guarded: expected a boolean, got "yes"');
    const malformed = await run(['manifest', 'verify', 'bad', '--public-key', 'pub.pem'], ctx);
    expect(malformed.code).toBe(1);
    expect(malformed.stdout).toMatch(/VERIFICATION FAILED \(malformed-envelope\)/);
    expect(malformed.stderr).toBe('');
  });

  test('fuzz: any JSON, or any mutation of a valid manifest, gives exit 0, 1 or 2 with a typed message and safe output', async () => {
    type Path = Array<string | number>;
    const pathsOf = (value: unknown, prefix: Path = []): Path[] =>
      value !== null && typeof value === 'object'
        ? [prefix, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, Array.isArray(value) ? Number(k) : k]))]
        : [prefix];
    const paths = pathsOf(valid).filter((p) => p.length > 0);
    const mutation = fc.record({
      path: fc.constantFrom(...paths),
      how: fc.constantFrom('replace', 'delete'),
      value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string({ unit: 'binary' }), fc.constantFrom(null, -1, 0, 1e21, '', [], {})),
    });
    const input = fc.oneof(
      { weight: 3, arbitrary: mutation.map(({ path, how, value }) => broken((m) => {
        const parent = path.slice(0, -1).reduce((node: any, k) => node[k], m);
        const last = path[path.length - 1]!;
        if (how === 'delete') Array.isArray(parent) ? parent.splice(Number(last), 1) : delete parent[last];
        else parent[last] = value;
      })) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null') },
    );
    await fc.assert(
      fc.asyncProperty(input, fc.constantFrom(...commands('m.json')), fc.constantFrom('table', 'json', 'markdown'), async (text, argv, format) => {
        const { ctx } = memoryContext({ 'm.json': text, 'good.json': canonicalString(valid), '.env': '' }, env);
        const withFormat = argv[0] === 'manifest' && !argv.includes('--format') ? [...argv, '--format', format] : argv;
        const { code, stdout, stderr } = await run(withFormat, ctx);
        expect([0, 1, 2]).toContain(code);
        expect(stderr).not.toContain('internal error');
        expect(stderr).not.toMatch(STACK_LINE);
        if (code === 2) expect(stderr).toMatch(/^action-guard: \/project\/m\.json: /);
        expect(stdout + stderr).not.toMatch(RAW_UNSAFE);
      }),
      { numRuns: 300 },
    );
  });
});
