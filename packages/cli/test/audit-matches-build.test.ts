import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { linkDependencies, NEXT_BIN } from '../../next/test/support/fixture-app.js';
import { audit } from '../src/commands/audit.js';
import { defaultContext } from '../src/context.js';

// SPEC §6: `audit` reports exactly what the build reports. One fixture app (the next plugin's broken-app, whose
// actions carry every kind of policy error), both paths: a real `next build` with the plugin, and `audit`.
// The app is copied inside the workspace (Turbopack's root) so this test never shares a .next with the next
// package's own build tests, which may run at the same time.

const here = path.dirname(fileURLToPath(import.meta.url));
const SOURCE_APP = path.resolve(here, '../../next/test/fixtures/broken-app');
const WORK_DIR = path.resolve(here, '../.tmp/audit-matches-build');
const BUILD_TIMEOUT_MS = 300_000;

afterAll(() => rmSync(WORK_DIR, { recursive: true, force: true }));

function copyFixture(): string {
  rmSync(WORK_DIR, { recursive: true, force: true });
  mkdirSync(WORK_DIR, { recursive: true });
  for (const entry of ['app', 'next.config.mjs', 'package.json', 'tsconfig.json']) {
    cpSync(path.join(SOURCE_APP, entry), path.join(WORK_DIR, entry), { recursive: true });
  }
  linkDependencies(WORK_DIR);
  return WORK_DIR;
}

/** Runs `next build` (Turbopack) in its own process group, killed whole if it outlives the timeout. */
function nextBuild(appDir: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [NEXT_BIN, 'build'], {
    cwd: appDir,
    detached: true,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', CI: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  return new Promise((resolve) => {
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), BUILD_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

// The first line of every printed diagnostic: `file:line:col severity CODE name: message` (formatDiagnostic).
const DIAGNOSTIC_HEAD = /^(?:Error: )?(\S+:\d+:\d+ (?:error|warning) AG\d{3} [a-z-]+: .*)$/gm;

describe('audit and next build', () => {
  test(
    'report the same findings, at the same places, with the same messages, for the same app',
    async () => {
      const appDir = copyFixture();
      const audited = await audit({}, defaultContext({ cwd: appDir }));
      const { code, output } = await nextBuild(appDir);

      expect(code, output).not.toBe(0);
      const fromBuild = new Set([...output.matchAll(DIAGNOSTIC_HEAD)].map((m) => m[1]!));
      const fromAudit = new Set(audited.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.name}: ${d.message}`));
      expect(fromAudit.size).toBeGreaterThanOrEqual(4);
      expect([...fromBuild].sort()).toEqual([...fromAudit].sort());
    },
    BUILD_TIMEOUT_MS + 30_000,
  );
});
