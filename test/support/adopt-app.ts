import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { linkTypeScriptTypes } from './attack-app.js';
import { WORKSPACE_ROOT } from './next-app.js';
import { runToCompletion, type CompletedProcess } from './processes.js';

/**
 * test/fixtures/adopt-*: three apps written before action-guard (no tags, no config), each in another real-world
 * style (issue #16): Auth.js v5 + zod + useActionState, Clerk + plain-argument calls from client components,
 * Supabase + inline actions in a `src/` layout with a next.config already wrapped by @next/bundle-analyzer.
 */
export const ADOPT_APPS = ['adopt-authjs', 'adopt-clerk', 'adopt-supabase'] as const;
export type AdoptApp = (typeof ADOPT_APPS)[number];

/**
 * Dummy values the apps' auth libraries read: well-formed, pointing nowhere (127.0.0.1:9, the discard port), so a
 * build that called a provider would fail rather than reach the network.
 */
export const ADOPT_ENV: Record<AdoptApp, Record<string, string>> = {
  'adopt-authjs': { AUTH_SECRET: 'test-only-auth-secret-not-used-anywhere-else', AUTH_TRUST_HOST: 'true' },
  'adopt-clerk': {
    // pk_test_ + base64("example.clerk.accounts.dev$"): the format Clerk checks; the instance does not exist.
    NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: 'pk_test_ZXhhbXBsZS5jbGVyay5hY2NvdW50cy5kZXYk',
    CLERK_SECRET_KEY: 'sk_test_not-a-real-key',
  },
  'adopt-supabase': { NEXT_PUBLIC_SUPABASE_URL: 'http://127.0.0.1:9', NEXT_PUBLIC_SUPABASE_ANON_KEY: 'test-only-anon-key' },
};

/** The CLI as users run it: the package's `bin`, with the current node. */
export function cliBin(): string {
  // The package's own directory as the test package links it (its exports do not include package.json).
  const packageJson = join(WORKSPACE_ROOT, 'test/node_modules/@action-guard/cli/package.json');
  const { bin } = JSON.parse(readFileSync(packageJson, 'utf8')) as { bin: Record<string, string> };
  return join(dirname(packageJson), bin['action-guard']!);
}

/** Runs `action-guard <args>` in `appDir`. */
export function runCli(appDir: string, args: string[], env: Record<string, string> = {}): Promise<CompletedProcess> {
  return runToCompletion(process.execPath, [cliBin(), ...args], { cwd: appDir, env, timeoutMs: 120_000 });
}

/**
 * A clean copy of the fixture at test/.tmp/<app>-<label> (three levels below the workspace root, like the fixture:
 * the copy resolves next, the auth libraries and our packages from test/node_modules).
 */
export function freshCopy(app: AdoptApp, label: string): string {
  const dir = join(WORKSPACE_ROOT, 'test/.tmp', `${app}-${label}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(WORKSPACE_ROOT, 'test/fixtures', app), dir, { recursive: true, filter: (source) => !/[\\/](\.next|node_modules)$/.test(source) });
  linkTypeScriptTypes(dir);
  return dir;
}

/** One labelled action: the tags a person would add, and why. */
export interface LabelledAction {
  proposals: string[];
  why: string;
}

/** The labelled `suggest` expectations of `app` (test/e2e/adopt-expectations/<app>.json). */
export function expectedSuggestions(app: AdoptApp): Record<string, LabelledAction> {
  const file = join(WORKSPACE_ROOT, 'test/e2e/adopt-expectations', `${app}.json`);
  if (!existsSync(file)) throw new Error(`no labelled expectations for ${app} at ${file}`);
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, LabelledAction>;
}
