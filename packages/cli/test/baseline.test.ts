import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { run, tempProject } from './helpers.js';

const actions = [
  '"use server";',
  '',
  'export async function save(formData: FormData) {',
  '  return String(formData.get("title"));',
  '}',
  '',
  '/** @requiresAuth */',
  'export async function remove(id: string) {',
  '  return id;',
  '}',
  '',
].join('\n');

function app() {
  return tempProject({ 'package.json': '{"name":"app"}', 'app/actions.ts': actions, 'app/admin/actions.ts': actions.replace(/save/g, 'promote') });
}

const read = (root: string) => readFileSync(path.join(root, 'action-guard.baseline.json'), 'utf8');

describe('action-guard baseline', () => {
  test('records every error finding; audit then passes with one summary line and the findings as warnings', async () => {
    const root = app();
    expect((await run(['audit', '--cwd', root])).code).toBe(1);
    const written = await run(['baseline', '--cwd', root]);
    expect(written.code).toBe(0);
    expect(written.stdout).toContain('Wrote action-guard.baseline.json: 6 findings in 2 files (6 added, 0 removed).');
    expect(read(root)).toBe(
      [
        '{',
        '  "version": 1,',
        '  "findings": [',
        '    {"ref":"app/actions.ts#remove","check":"missing-schema","code":"AG102"},',
        '    {"ref":"app/actions.ts#save","check":"missing-auth-decision","code":"AG101"},',
        '    {"ref":"app/actions.ts#save","check":"missing-schema","code":"AG102"},',
        '    {"ref":"app/admin/actions.ts#promote","check":"missing-auth-decision","code":"AG101"},',
        '    {"ref":"app/admin/actions.ts#promote","check":"missing-schema","code":"AG102"},',
        '    {"ref":"app/admin/actions.ts#remove","check":"missing-schema","code":"AG102"}',
        '  ]',
        '}',
        '',
      ].join('\n'),
    );
    const audit = await run(['audit', '--cwd', root]);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toContain('6 baselined findings in 2 files — `action-guard baseline --prune` after fixing');
    expect(audit.stdout).toContain('warning AG101 missing-auth-decision: action "save" has no auth decision');
    const json = JSON.parse((await run(['audit', '--cwd', root, '--format', 'json'])).stdout);
    const save = json.actions.find((a: { ref: string }) => a.ref === 'app/actions.ts#save');
    expect(save.baselined).toEqual(['missing-auth-decision', 'missing-schema']);
    expect(save.policy.auth).toBe('public');
    const sarif = JSON.parse((await run(['audit', '--cwd', root, '--format', 'sarif'])).stdout);
    expect(new Set(sarif.runs[0].results.map((r: { level: string }) => r.level))).toEqual(new Set(['warning']));
    expect((await run(['baseline', '--cwd', root])).stdout).toContain('is up to date: 6 findings in 2 files.');
  });

  test('a finding not in the file fails audit naming the action', async () => {
    const root = app();
    await run(['baseline', '--cwd', root]);
    writeFileSync(path.join(root, 'action-guard.baseline.json'), read(root).replace('    {"ref":"app/actions.ts#save","check":"missing-schema","code":"AG102"},\n', ''));
    const audit = await run(['audit', '--cwd', root]);
    expect(audit.code).toBe(1);
    expect(audit.stdout).toContain('error AG102 missing-schema: action "save" takes input but has no schema');
  });

  test('entries that match nothing are stale: reported, failing with --fail-on-stale, removed by --prune which adds nothing', async () => {
    const root = app();
    await run(['baseline', '--cwd', root]);
    // Fixed one finding, and renamed an action: its entries no longer match, and its findings are new.
    writeFileSync(path.join(root, 'app/actions.ts'), actions.replace('export async function save(', '/** @public contact form */\nexport async function save('));
    writeFileSync(path.join(root, 'app/admin/actions.ts'), actions.replace(/save/g, 'elevate'));
    const audit = await run(['audit', '--cwd', root]);
    expect(audit.code).toBe(1);
    expect(audit.stdout).toContain('error AG101 missing-auth-decision: action "elevate" has no auth decision');
    expect(audit.stdout).toContain('3 stale baseline entries in action-guard.baseline.json');
    expect(audit.stdout).toContain('  app/admin/actions.ts#promote AG101 missing-auth-decision');
    const pruned = await run(['baseline', '--cwd', root, '--prune']);
    expect(pruned.stdout).toContain('- app/actions.ts#save AG101 missing-auth-decision');
    expect(pruned.stdout).not.toContain('+ ');
    expect(read(root)).not.toContain('elevate');
    expect(read(root)).not.toContain('promote');
    const after = await run(['audit', '--cwd', root, '--fail-on-stale']);
    expect(after.stdout).not.toContain('stale');
    expect(after.code).toBe(1); // elevate's findings were never accepted
  });

  test('--fail-on-stale fails an otherwise clean audit', async () => {
    const root = app();
    await run(['baseline', '--cwd', root]);
    writeFileSync(path.join(root, 'app/actions.ts'), actions.replace('export async function save(formData: FormData) {', '/**\n * @public contact form\n * @schema remove\n */\nexport async function save(formData: FormData) {'));
    expect((await run(['audit', '--cwd', root])).code).toBe(0);
    const strict = await run(['audit', '--cwd', root, '--fail-on-stale']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('2 stale baseline entries');
  });
});
