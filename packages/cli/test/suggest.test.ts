import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { suggest } from '../src/commands/suggest.js';
import { mergeTags } from '../src/suggest/merge-tags.js';
import { defaultContext } from '../src/context.js';
import { run } from './helpers.js';

const FIXTURE = new URL('./fixtures/suggest-app/', import.meta.url).pathname;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function copy(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'ag-suggest-'));
  dirs.push(root);
  cpSync(FIXTURE, root, { recursive: true });
  return root;
}

describe('action-guard suggest', () => {
  test('every proposal is in the labelled expectations (precision 1), with evidence; recall is reported', async () => {
    const root = copy();
    const expected = JSON.parse(readFileSync(path.join(root, 'expectations.json'), 'utf8')) as Record<string, string[]>;
    const result = await suggest({}, defaultContext({ cwd: root }));
    let proposed = 0;
    let right = 0;
    for (const action of result.actions) {
      for (const proposal of action.proposals) {
        proposed++;
        expect(expected[action.ref], `${action.ref}: ${proposal.text}`).toContain(proposal.text);
        if (expected[action.ref]!.includes(proposal.text)) right++;
        expect(proposal.evidence.every((e) => /^app\/actions\.ts:\d+ /.test(e))).toBe(true);
      }
      expect(action.proposals.some((p) => p.text.startsWith('@public'))).toBe(false);
    }
    const labelled = Object.entries(expected).filter(([key]) => key !== '//').reduce((n, [, tags]) => n + tags.length, 0);
    expect(right).toBe(proposed);
    const bySuggestion = Object.fromEntries(result.actions.map((a) => [a.ref, a]));
    // Recall 9 of 10 labelled tags: logThenCheck logs before its gate, and suggest only reads a gate that comes first.
    expect(bySuggestion['app/actions.ts#logThenCheck']!.proposals).toEqual([]);
    expect({ proposed, right, labelled }).toEqual({ proposed: 9, right: 9, labelled: 10 });
    expect(bySuggestion['app/actions.ts#subscribe']!.needsDecision).toEqual(['auth: @public <reason> or @requiresAuth/@role/@authorize', 'schema: @schema <Name> (one per parameter)']);
    expect(bySuggestion['app/actions.ts#promote']!.proposals[0]!.evidence.at(-1)).toMatch(/leaves unless the session's role is "admin"/);
  });

  test('--write merges the tags into the JSDoc (or adds one), prunes resolved baseline entries, and the audit agrees', async () => {
    const root = copy();
    await run(['baseline', '--cwd', root]);
    const before = readFileSync(path.join(root, 'action-guard.baseline.json'), 'utf8');
    const out = await run(['suggest', '--cwd', root, '--write']);
    expect(out.code).toBe(0);
    const code = readFileSync(path.join(root, 'app/actions.ts'), 'utf8');
    expect(code).toContain('/**\n * Creates a post.\n * @requiresAuth\n * @schema PostSchema\n */\nexport async function createPost');
    expect(code).toContain('/**\n * @role admin\n * @schema IdSchema\n */\nexport async function promote');
    expect(code).toContain('/** @requiresAuth */\nexport async function archive');
    const after = readFileSync(path.join(root, 'action-guard.baseline.json'), 'utf8');
    expect(after.split('\n').length).toBeLessThan(before.split('\n').length);
    expect(after).not.toContain('createPost');
    expect(after).toContain('subscribe');
    expect((await run(['audit', '--cwd', root])).code).toBe(0);
    // A second run proposes nothing new for the actions it tagged.
    const again = await suggest({}, defaultContext({ cwd: root }));
    expect(again.actions.find((a) => a.ref === 'app/actions.ts#createPost')).toBeUndefined();
  });

  test('config authFunctions adds the app\'s own guard and lookup names to the built-in list', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ag-suggest-names-'));
    dirs.push(root);
    writeFileSync(path.join(root, 'package.json'), '{ "name": "names-app", "private": true }');
    mkdirSync(path.join(root, 'app'));
    writeFileSync(
      path.join(root, 'app/actions.ts'),
      [
        "'use server';",
        "import { mustBeSignedIn, whoIsThis } from './session';",
        'export async function archive(): Promise<void> {',
        '  await mustBeSignedIn();',
        '}',
        'export async function rename(): Promise<void> {',
        '  const viewer = await whoIsThis();',
        '  if (!viewer) throw new Error("no");',
        '}',
        '',
      ].join('\n'),
    );
    const proposed = async () => Object.fromEntries((await suggest({}, defaultContext({ cwd: root }))).actions.map((a) => [a.ref, a.proposals.map((p) => p.text)]));
    expect(await proposed()).toEqual({ 'app/actions.ts#archive': [], 'app/actions.ts#rename': [] });
    writeFileSync(path.join(root, 'action-guard.config.json'), JSON.stringify({ authFunctions: { guards: ['mustBeSignedIn'], lookups: ['whoIsThis'] } }));
    expect(await proposed()).toEqual({ 'app/actions.ts#archive': ['@requiresAuth'], 'app/actions.ts#rename': ['@requiresAuth'] });
  });

  test('several parameters: @schema A, B when each is parsed by one module-scope schema, nothing when one is not', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ag-suggest-params-'));
    dirs.push(root);
    writeFileSync(path.join(root, 'package.json'), '{ "name": "params-app", "private": true }');
    mkdirSync(path.join(root, 'app'));
    writeFileSync(
      path.join(root, 'app/actions.ts'),
      [
        "'use server';",
        "import { z } from 'zod';",
        'const InvoiceId = z.string().uuid();',
        'const InvoiceState = z.object({ message: z.string().nullable() }).nullable();',
        'const InvoiceForm = z.object({ amount: z.coerce.number() });',
        'export async function update(id: string, prevState: unknown, formData: FormData) {',
        '  const invoiceId = InvoiceId.parse(id);',
        '  const state = InvoiceState.parse(prevState);',
        '  const form = InvoiceForm.safeParse(Object.fromEntries(formData));',
        '  return { invoiceId, state, form };',
        '}',
        'export async function create(prevState: unknown, formData: FormData) {',
        '  const form = InvoiceForm.safeParse(Object.fromEntries(formData));',
        '  return { prevState, form };',
        '}',
        '',
      ].join('\n'),
    );
    const result = await suggest({}, defaultContext({ cwd: root }));
    const schemaOf = (name: string) => result.actions.find((a) => a.ref === `app/actions.ts#${name}`)!.proposals.filter((p) => p.tag === '@schema');
    expect(schemaOf('update').map((p) => p.text)).toEqual(['@schema InvoiceId, InvoiceState, InvoiceForm']);
    expect(schemaOf('update')[0]!.evidence).toEqual([
      'app/actions.ts:7 InvoiceId parses id',
      'app/actions.ts:8 InvoiceState parses prevState',
      'app/actions.ts:9 InvoiceForm parses formData',
    ]);
    expect(schemaOf('create')).toEqual([]);
    expect(result.actions.find((a) => a.ref === 'app/actions.ts#create')!.needsDecision).toContain('schema: @schema <Name> (one per parameter)');
  });

  test('mergeTags keeps indentation and CRLF line endings', () => {
    const code = 'x;\r\n  /**\r\n   * Saves.\r\n   */\r\n  export async function save() {}\r\n';
    const start = code.indexOf('/**');
    const end = code.indexOf('*/') + 2;
    expect(mergeTags(code, { docComment: { start, end }, docAnchor: start }, ['@requiresAuth'])).toBe(
      'x;\r\n  /**\r\n   * Saves.\r\n   * @requiresAuth\r\n   */\r\n  export async function save() {}\r\n',
    );
    const bare = 'x;\n\texport async function save() {}\n';
    expect(mergeTags(bare, { docComment: null, docAnchor: bare.indexOf('export') }, ['@requiresAuth', '@schema S'])).toBe(
      'x;\n\t/**\n\t * @requiresAuth\n\t * @schema S\n\t */\n\texport async function save() {}\n',
    );
  });
});
