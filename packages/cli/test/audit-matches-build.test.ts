import { appendFileSync, cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateEncryptionKey, generateSigningKeyPair } from '@action-guard/manifest';
import { afterAll, describe, expect, test } from 'vitest';
import { BUILD_TIMEOUT_MS, linkDependencies, nextBuild, type BuildResult } from '../../next/test/support/fixture-app.js';
import { audit } from '../src/commands/audit.js';
import { defaultContext } from '../src/context.js';

// docs/reference.md §6: `audit` reports exactly what the build reports. The next plugin's fixture apps, both paths: a real
// `next build` with the plugin, and `audit`. broken-app's actions carry every kind of policy error; ok-app builds,
// and its build reports findings only the build output can tell (actions no client JavaScript references).
// The app is copied inside the workspace (Turbopack's root) so this test never shares a .next with the next
// package's own build tests, which may run at the same time.

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.resolve(here, '../../next/test/fixtures');
const WORK_DIR = path.resolve(here, '../.tmp/audit-matches-build');

afterAll(() => rmSync(WORK_DIR, { recursive: true, force: true }));

function copyFixture(name: string): string {
  const source = path.join(FIXTURES, name);
  const target = path.join(WORK_DIR, name);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const entry of readdirSync(source)) {
    if (entry === 'node_modules' || entry === '.next') continue;
    cpSync(path.join(source, entry), path.join(target, entry), { recursive: true });
  }
  linkDependencies(target);
  return target;
}

/** `next build` (Turbopack) with both keys set, so the build reports only findings about the code, as audit does. */
function nextBuildWithKeys(appDir: string): Promise<BuildResult> {
  return nextBuild(appDir, 'turbopack', {
    NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: generateEncryptionKey(),
    ACTION_GUARD_SIGNING_KEY: generateSigningKeyPair().privateKeyPem,
  });
}

// The first line of every printed finding, `file:line:col severity CODE name: message` (formatDiagnostic and
// formatFinding), as the loader's error and the post-build step's warnings print it.
const FINDING_HEAD = /^(?:Error: |⚠ action-guard: )?(\S+:\d+:\d+ (?:error|warning) AG\d{3} [a-z-]+: .*)$/gm;

const headsFromBuild = (output: string) => new Set([...output.matchAll(FINDING_HEAD)].map((m) => m[1]!));
const headOf = (f: { file: string | null; line: number | null; column: number | null; severity: string; code: string; name: string; message: string }) =>
  `${f.file}:${f.line}:${f.column} ${f.severity} ${f.code} ${f.name}: ${f.message}`;

describe('audit and next build', () => {
  test(
    'report the same policy errors, at the same places, with the same messages, for an app that fails',
    async () => {
      const appDir = copyFixture('broken-app');
      const audited = await audit({}, defaultContext({ cwd: appDir }));
      const { code, output } = await nextBuildWithKeys(appDir);

      expect(code, output).not.toBe(0);
      const fromAudit = new Set(audited.diagnostics.map(headOf));
      expect(fromAudit.size).toBeGreaterThanOrEqual(4);
      expect([...headsFromBuild(output)].sort()).toEqual([...fromAudit].sort());
    },
    BUILD_TIMEOUT_MS + 30_000,
  );

  test(
    'report the same findings for an app that builds, including the ones only the build output can tell',
    async () => {
      const appDir = copyFixture('ok-app');
      // An export nothing imports: a live endpoint only the build output tells about (AG304). The fixture's
      // clearCache, which the page (a Server Component) passes to <form action>, must stay unreported by both.
      appendFileSync(path.join(appDir, 'app/admin/actions.ts'), "\nexport async function unusedExport(): Promise<void> {\n  console.log('UNUSED');\n}\n");
      const before = await audit({}, defaultContext({ cwd: appDir }));
      const { code, output } = await nextBuildWithKeys(appDir);
      expect(code, output).toBe(0);
      const after = await audit({}, defaultContext({ cwd: appDir }));

      // Before any build, audit has only the source to go on: no errors, like the build.
      expect(before.errors).toBe(0);
      expect(before.manifestFindings).toEqual([]);
      // After it, audit also reads what the build found in its output (actions no client code references).
      const fromAudit = new Set([...after.diagnostics, ...after.manifestFindings].map(headOf));
      expect([...fromAudit].filter((head) => head.includes('AG304'))).toEqual([
        expect.stringMatching(/^app\/admin\/actions\.ts:8:\d+ warning AG304 unreferenced-action: app\/admin\/actions\.ts#unusedExport /),
      ]);
      expect([...headsFromBuild(output)].sort()).toEqual([...fromAudit].sort());
    },
    BUILD_TIMEOUT_MS + 30_000,
  );
});
