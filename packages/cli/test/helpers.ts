import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { digestCanonical, type ActionManifest, type ManifestAction, type NormalizedPolicy } from '@action-guard/manifest';
import { Ajv } from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { Volume } from 'memfs';
import { afterEach } from 'vitest';
import { runCli } from '../src/cli.js';
import type { CliFs, CommandContext } from '../src/context.js';

const cleanups: string[] = [];
afterEach(() => {
  for (const dir of cleanups.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temporary project on disk, written from an object literal of path → contents; removed after the test. */
export function tempProject(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'ag-cli-'));
  cleanups.push(root);
  for (const [file, contents] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), contents);
  }
  return root;
}

/** A command context over an in-memory file system (memfs) holding `files`, with a fixed clock. */
export function memoryContext(files: Record<string, string> = {}, env: Record<string, string | undefined> = {}) {
  const volume = Volume.fromJSON(files, '/project');
  const ctx: CommandContext = {
    cwd: '/project',
    env,
    fs: volume.promises as unknown as CliFs,
    now: () => new Date('2026-11-22T03:00:00.000Z'),
  };
  return { ctx, volume, read: (file: string) => volume.readFileSync(path.resolve('/project', file), 'utf8') as string };
}

/** Runs the CLI entry in-process and captures what it prints and its exit code. */
export async function run(argv: string[], context: Partial<CommandContext> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, context);
  return { code, stdout, stderr };
}

let validator: ((data: unknown) => boolean) & { errors?: unknown } | null = null;
/** Validates a SARIF log against the official OASIS 2.1.0 schema (draft-04, vendored in fixtures/). */
export function validateSarif(log: unknown): { valid: boolean; errors: unknown } {
  if (!validator) {
    const schema = JSON.parse(readFileSync(new URL('./fixtures/sarif-schema-2.1.0.json', import.meta.url), 'utf8')) as object;
    // The official schema is JSON Schema draft-04, which Ajv 8 supports through ajv-draft-04.
    const Draft04 = AjvDraft04 as unknown as typeof Ajv;
    const ajv = new Draft04({ allErrors: true, strict: false });
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    validator = ajv.compile(schema);
  }
  const valid = validator(log);
  return { valid, errors: validator.errors };
}

/** A complete, valid manifest entry (what the builder writes): guarded, required auth, referenced by client code. */
export function manifestEntry(ref: string, overrides: Partial<ManifestAction> = {}): ManifestAction {
  const [file = 'app/actions.ts', exportName = 'save'] = ref.split('#');
  const policy: NormalizedPolicy | null = overrides.policy !== undefined ? overrides.policy : {
    auth: 'required', publicReason: null, roles: [], authorize: null, schema: null, dedupe: null, rateLimit: null, fromRules: [],
  };
  return {
    id: `40${createHash('sha256').update(ref).digest('hex').slice(0, 40)}`, ref, file, exportName, kind: 'export', location: null,
    workers: ['app/page'], runtimes: ['node'], referencedByClient: true, guarded: policy !== null, ...overrides,
    policy, policyDigest: policy ? digestCanonical(policy) : null,
  };
}

/** A complete, valid manifest around `actions`, in the builder's order (by ref). */
export function manifestOf(actions: ManifestAction[], overrides: Partial<ActionManifest> = {}): ActionManifest {
  return {
    schemaVersion: 1, generator: { name: 'action-guard', version: 'test' }, next: { version: '16.4.6' }, bundler: 'turbopack',
    buildId: 'b1', gitCommit: null, createdAt: '2026-11-22T00:00:00.000Z', encryptionKey: null,
    actions: [...actions].sort((a, b) => (a.ref < b.ref ? -1 : 1)), ...overrides,
  };
}
