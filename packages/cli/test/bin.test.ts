import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalBytes, canonicalString, signManifest } from '@action-guard/manifest';
import { beforeAll, describe, expect, test } from 'vitest';
import { manifestOf, tempProject } from './helpers.js';

// A few runs of the real built binary (`pnpm build` makes dist/ before the tests run), to prove the shebang, the
// lazy-loaded command chunks and the exit codes work outside vitest.
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/bin.js');

function actionGuard(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const result = spawnSync(BIN, args, {
    cwd: options.cwd ?? process.cwd(),
    env: { PATH: process.env.PATH ?? '', ...options.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build the CLI first (npx -y pnpm@10 --filter @action-guard/cli build)`);
});

describe('the action-guard binary', () => {
  test('runs as an executable and lists every command', () => {
    const { code, stdout } = actionGuard(['--help']);
    expect(code).toBe(0);
    for (const name of ['audit', 'manifest verify', 'manifest diff', 'keys rotate', 'signing-key generate']) expect(stdout).toContain(name);
  });

  test('verifies an envelope signed with a key pair it generated, and fails a tampered one', () => {
    const dir = tempProject({});
    expect(actionGuard(['signing-key', 'generate', '--out', 'keys'], { cwd: dir }).code).toBe(0);
    const privateKey = readFileSync(path.join(dir, 'keys/manifest-signing.key.pem'), 'utf8');
    const manifest = manifestOf([]);
    const envelope = canonicalString(signManifest(canonicalBytes(manifest), privateKey));
    const project = tempProject({ 'build/manifest.dsse.json': envelope, 'keys.pub.pem': readFileSync(path.join(dir, 'keys/manifest-signing.pub.pem'), 'utf8') });
    const ok = actionGuard(['manifest', 'verify', 'build', '--public-key', 'keys.pub.pem', '--format', 'json'], { cwd: project });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true });
    const tampered = tempProject({ 'build/manifest.dsse.json': envelope.replace('"sig":"', '"sig":"A'), 'keys.pub.pem': readFileSync(path.join(dir, 'keys/manifest-signing.pub.pem'), 'utf8') });
    expect(actionGuard(['manifest', 'verify', 'build', '--public-key', 'keys.pub.pem'], { cwd: tampered }).code).toBe(1);
  });

  test('prints a key, and fingerprints the key in its environment', () => {
    const key = actionGuard(['keys', 'generate']).stdout.split('\n')[0]!;
    const { code, stdout } = actionGuard(['keys', 'fingerprint'], { env: { NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: key } });
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(stdout).not.toContain(key);
  });

  test('exits 2 with the fix for bad usage', () => {
    const { code, stderr } = actionGuard(['manifest', 'diff', 'only-one.json']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/fix: run `action-guard manifest diff/);
  });
});
