import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@action-guard/config';
import { createFinding, type Finding } from '@action-guard/manifest';
import { describe, expect, test } from 'vitest';
import { explainUnrecorded, WARNINGS_PER_CODE, warningLines } from '../src/post-build.js';

function unreferenced(index: number): Finding {
  return createFinding('unreferenced-action', 'warning', {
    message: `app/actions.ts#action${index} is registered and callable by id, but no client JavaScript references it`,
    fix: 'remove the export if nothing uses it',
    file: 'app/actions.ts',
    line: index,
    column: 8,
    ref: `app/actions.ts#action${index}`,
  });
}

const unsigned = createFinding('missing-signing-key', 'warning', { message: 'written unsigned', fix: 'set a signing key' });

describe('the build output of warning findings', () => {
  test('prints every warning in full while a code has few', () => {
    const lines = warningLines([unreferenced(1), unsigned, unreferenced(2)]);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('app/actions.ts:1:8 warning AG304 unreferenced-action');
    expect(lines[1]).toContain('missing-signing-key');
  });

  test('summarises the rest of a code after the first few, and keeps the other codes in full', () => {
    const many = Array.from({ length: 200 }, (_, i) => unreferenced(i + 1));
    const lines = warningLines([...many, unsigned]);
    expect(lines).toHaveLength(WARNINGS_PER_CODE + 2);
    expect(lines.slice(0, WARNINGS_PER_CODE).every((line) => line.includes('AG304'))).toBe(true);
    expect(lines[WARNINGS_PER_CODE]).toContain('missing-signing-key');
    expect(lines.at(-1)).toBe(
      `⚠ action-guard: ${200 - WARNINGS_PER_CODE} more AG304 unreferenced-action warnings like the ones above (200 in all); \`action-guard audit\` lists every one, and checks['unreferenced-action'] sets their severity`,
    );
  });
});

describe('an action Next registered without a record names the real cause, not the config', () => {
  const neverSaw = (file: string, name: string) =>
    createFinding('unguarded-action', 'error', {
      file,
      ref: `${file}#${name}`,
      message: `Next registered the Server Action ${file}#${name} (id 00ab), but the action-guard transform never saw it, so it runs with no policy`,
      fix: 'placeholder',
    });

  test('a form the transform does not recognise is named as such; an action it finds now means the loader did not run', async () => {
    const projectDir = mkdtempSync(path.join(tmpdir(), 'ag-post-build-'));
    try {
      mkdirSync(path.join(projectDir, 'app'));
      // `steal` is Next's registration of a binding the transform sees no action in (destructured from a factory).
      writeFileSync(path.join(projectDir, 'app/hidden.ts'), "'use server';\nexport async function other() {}\n");
      writeFileSync(path.join(projectDir, 'app/plain.ts'), "'use server';\n/** @requiresAuth */\nexport async function save() {}\n");
      const config = await loadConfig({ cwd: projectDir });
      const [hidden, plain] = await explainUnrecorded([neverSaw('app/hidden.ts', 'steal'), neverSaw('app/plain.ts', 'save')], projectDir, config);
      expect(hidden!.message).toContain('does not recognise it as a Server Action in app/hidden.ts');
      expect(hidden!.fix).not.toContain('withActionGuard');
      expect(plain!.message).toContain('the action-guard loader did not run on app/plain.ts');
      expect(plain!.fix).not.toContain('withActionGuard');
    } finally {
      rmSync(projectDir, { recursive: true, force: true });
    }
  });
});
