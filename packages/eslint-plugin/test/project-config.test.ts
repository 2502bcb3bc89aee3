import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, test } from 'vitest';
import plugin from '../src/index.js';
import { findProjectRoot, loadProjectState } from '../src/project-config.js';
import { project } from './helpers.js';

function lint(root: string, file: string, code: string): Linter.LintMessage[] {
  const linter = new Linter({ cwd: root });
  return linter.verify(
    code,
    [{ files: ['**/*.ts', '**/*.tsx'], languageOptions: { parser: tseslint.parser } }, plugin.configs.recommended],
    { filename: path.join(root, file) },
  );
}

const code = '"use server";\n/** @requiresAuth */\nexport async function save(input: unknown) {}\n';

describe('the project of a linted file', () => {
  test('is the nearest directory with action-guard.config.* or next.config.*, as the build sees it', () => {
    const monorepo = project({
      'package.json': '{}',
      'apps/web/next.config.ts': 'export default {};\n',
      'apps/web/app/actions.ts': code,
      'apps/admin/action-guard.config.json': '{}',
      'apps/admin/app/x/actions.ts': code,
      'packages/lib/src/actions.ts': code,
    });
    expect(findProjectRoot(path.join(monorepo, 'apps/web/app/actions.ts'), '/elsewhere')).toBe(path.join(monorepo, 'apps/web'));
    expect(findProjectRoot(path.join(monorepo, 'apps/admin/app/x/actions.ts'), '/elsewhere')).toBe(path.join(monorepo, 'apps/admin'));
    // project() puts a next.config.mjs at the top, so a file outside any app belongs to the top.
    expect(findProjectRoot(path.join(monorepo, 'packages/lib/src/actions.ts'), '/elsewhere')).toBe(monorepo);
  });

  test('loads the config once and reloads it when it changes', () => {
    const root = project({ 'action-guard.config.json': JSON.stringify({ checks: { 'missing-schema': 'warn' } }) });
    const first = loadProjectState(root);
    expect(loadProjectState(root)).toBe(first);
    expect(lint(root, 'app/actions.ts', code).map((m) => [m.ruleId, m.severity])).toEqual([['action-guard/policy-warning', 1]]);

    writeFileSync(path.join(root, 'action-guard.config.json'), JSON.stringify({ checks: { 'missing-schema': 'error' } }));
    expect(loadProjectState(root)).not.toBe(first);
    expect(lint(root, 'app/actions.ts', code).map((m) => [m.ruleId, m.severity])).toEqual([['action-guard/missing-schema', 2]]);

    // A config that becomes invalid is reported, and a fixed one is read again.
    writeFileSync(path.join(root, 'action-guard.config.json'), JSON.stringify({ checks: { 'missing-schemas': 'off' } }));
    expect(lint(root, 'app/actions.ts', code).map((m) => m.ruleId)).toEqual(['action-guard/config-error']);
    writeFileSync(path.join(root, 'action-guard.config.json'), JSON.stringify({ checks: { 'missing-schema': 'off' } }));
    expect(lint(root, 'app/actions.ts', code)).toEqual([]);
  });

  test('reads action-guard.baseline.json as the build does, and rereads it when it changes', () => {
    const root = project();
    const source = '"use server";\nexport async function save() {}\nexport async function remove() {}\n';
    const findings = () => lint(root, 'app/actions.ts', source).map((m) => [m.ruleId, m.line, m.severity]);
    const baseline = (entries: object[]) =>
      writeFileSync(path.join(root, 'action-guard.baseline.json'), JSON.stringify({ version: 1, findings: entries }));
    const save = { ref: 'app/actions.ts#save', check: 'missing-auth-decision', code: 'AG101' };
    const remove = { ref: 'app/actions.ts#remove', check: 'missing-auth-decision', code: 'AG101' };
    expect(findings()).toEqual([['action-guard/missing-auth-decision', 2, 2], ['action-guard/missing-auth-decision', 3, 2]]);

    baseline([save]);
    expect(findings()).toEqual([['action-guard/policy-warning', 2, 1], ['action-guard/missing-auth-decision', 3, 2]]);
    baseline([save, remove]);
    expect(findings()).toEqual([['action-guard/policy-warning', 2, 1], ['action-guard/policy-warning', 3, 1]]);
    // An entry removed from the file fails again, naming that action.
    baseline([remove]);
    expect(findings()).toEqual([['action-guard/missing-auth-decision', 2, 2], ['action-guard/policy-warning', 3, 1]]);
    // A baseline the build cannot read fails the build (AG203); lint says so rather than guess.
    writeFileSync(path.join(root, 'action-guard.baseline.json'), '{"version":2,"findings":[]}');
    expect(lint(root, 'app/actions.ts', source).map((m) => [m.ruleId, m.message.slice(0, 5)])).toEqual([['action-guard/config-error', 'AG203']]);
    rmSync(path.join(root, 'action-guard.baseline.json'));
    expect(findings()).toEqual([['action-guard/missing-auth-decision', 2, 2], ['action-guard/missing-auth-decision', 3, 2]]);
  });

  test('a config file created or removed later is noticed', () => {
    const root = project();
    expect(lint(root, 'app/actions.ts', code).map((m) => m.ruleId)).toEqual(['action-guard/missing-schema']);
    writeFileSync(path.join(root, 'action-guard.config.ts'), "export default { checks: { 'missing-schema': 'off' } };\n");
    expect(lint(root, 'app/actions.ts', code)).toEqual([]);
    rmSync(path.join(root, 'action-guard.config.ts'));
    expect(lint(root, 'app/actions.ts', code).map((m) => m.ruleId)).toEqual(['action-guard/missing-schema']);
  });

  test('directory rules apply by the path relative to the project root', () => {
    const root = project({ 'action-guard.config.ts': "export default { rules: { 'app/admin/**': { role: 'admin' } } };\n" });
    mkdirSync(path.join(root, 'app/admin'), { recursive: true });
    const open = '"use server";\nexport async function purge() {}\n';
    expect(lint(root, 'app/admin/actions.ts', open)).toEqual([]);
    expect(lint(root, 'app/actions.ts', open).map((m) => m.ruleId)).toEqual(['action-guard/missing-auth-decision']);
  });

  test('reports the same line:column the build prints', () => {
    const root = project();
    const source = '"use server";\n\n/**\n *   @requireAuth\n */\nexport async function save() {}\n';
    const messages = lint(root, 'app/actions.ts', source);
    expect(messages.map((m) => [m.ruleId, m.line, m.column])).toEqual([
      ['action-guard/unknown-tag', 4, 6],
      ['action-guard/missing-auth-decision', 6, 8],
    ]);
    // ESLint's own index of that line and column is the `@` of the tag and the `async` of the function.
    const starts = source.split('\n').map((_, index, all) => all.slice(0, index).join('\n').length + (index === 0 ? 0 : 1));
    expect(source.slice(starts[3]! + messages[0]!.column - 1).startsWith('@requireAuth')).toBe(true);
    expect(source.slice(starts[5]! + messages[1]!.column - 1).startsWith('async function save')).toBe(true);
  });
});
