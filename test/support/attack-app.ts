import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { buildNextApp, fingerprintDirs, nextVersion, WORKSPACE_ROOT, type BuildResult, type Bundler } from './next-app.js';

/**
 * test/fixtures/attack-app: one Next app with one folder per attack (`app/<variant>/`: the actions, a client form
 * that references them, a page). The suites never build it in place: they build copies holding a chosen set of
 * variants under test/.tmp/attack-app/, because a variant that fails the build stops the build of every other one.
 */
export const ATTACK_APP_DIR = join(WORKSPACE_ROOT, 'test/fixtures/attack-app');

/**
 * Where the copies live: test/.tmp/attack-app-* (git-ignored), three levels below the workspace root like the
 * fixture itself, because next.config.mjs finds the root (Turbopack's) three levels up.
 */
const COPIES_DIR = join(WORKSPACE_ROOT, 'test/.tmp');
const COPY_PREFIX = 'attack-app-';

/** Files and folders of the fixture that every copy gets; `app/<variant>/` folders are added per copy. */
const SHARED_ENTRIES = ['package.json', 'next.config.mjs', 'action-guard.config.mjs', 'tsconfig.json', 'instrumentation.ts', 'lib', 'app/layout.tsx', 'app/page.tsx'];

/** The variant folders of the fixture (every folder under app/). */
export function listVariants(): string[] {
  return readdirSync(join(ATTACK_APP_DIR, 'app'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** 1-based numbers of the lines of `app/<variant>/<file>` that carry the comment `// attack:<mark>`. */
export function markedLines(variant: string, mark: string, file = 'actions.ts'): number[] {
  const lines = readFileSync(join(ATTACK_APP_DIR, 'app', variant, file), 'utf8').split('\n');
  return lines.flatMap((line, index) => (line.includes(`// attack:${mark}`) ? [index + 1] : []));
}

/** The 1-based line of `app/<variant>/<file>` holding `text`, which must occur on exactly one line. */
export function lineOf(variant: string, text: string, file = 'actions.ts'): number {
  const lines = readFileSync(join(ATTACK_APP_DIR, 'app', variant, file), 'utf8').split('\n');
  const found = lines.flatMap((line, index) => (line.includes(text) ? [index + 1] : []));
  if (found.length !== 1) throw new Error(`"${text}" must occur on exactly one line of app/${variant}/${file}, found ${found.length}`);
  return found[0]!;
}

/**
 * Next's TypeScript check wants `@types/react` resolvable from the app, and installs it with npm when it is not
 * (verify-typescript-setup.js). The test package has no `@types/react`; the example app has, so the copy links to it.
 */
export function linkTypeScriptTypes(appDir: string): void {
  const requireFromExample = createRequire(join(WORKSPACE_ROOT, 'examples/invoices/package.json'));
  const typesDir = join(appDir, 'node_modules/@types');
  mkdirSync(typesDir, { recursive: true });
  symlinkSync(dirname(requireFromExample.resolve('@types/react/package.json')), join(typesDir, 'react'), 'dir');
}

/** The digest of what decides a copy's build: the variants' and shared files, our packages' output, next, bundler. */
function copyKey(variants: string[], bundler: Bundler, packageOutputs: string[]): string {
  const hash = createHash('sha256').update(bundler).update('\0').update(nextVersion(ATTACK_APP_DIR)).update('\0');
  for (const entry of SHARED_ENTRIES) {
    const path = join(ATTACK_APP_DIR, entry);
    hash.update(entry).update('\0').update(entry.includes('.') ? readFileSync(path) : fingerprintDirs([path])).update('\0');
  }
  hash.update(fingerprintDirs([...variants.map((variant) => join(ATTACK_APP_DIR, 'app', variant)), ...packageOutputs]));
  return hash.digest('hex').slice(0, 16);
}

/** Creates (fresh) a copy of the fixture at `dir` holding only `variants`. */
export function copyAttackApp(dir: string, variants: string[]): void {
  rmSync(dir, { recursive: true, force: true });
  for (const entry of SHARED_ENTRIES) cpSync(join(ATTACK_APP_DIR, entry), join(dir, entry), { recursive: true });
  for (const variant of variants) cpSync(join(ATTACK_APP_DIR, 'app', variant), join(dir, 'app', variant), { recursive: true });
  linkTypeScriptTypes(dir);
}

/**
 * A fresh copy for `next dev`, at a path of its own (dev and the builds must not share a `.next`); `name` tells apart
 * copies that run side by side or one after another.
 */
export function devCopy(variants: string[], name = 'dev'): string {
  const dir = join(COPIES_DIR, `${COPY_PREFIX}${name}`);
  copyAttackApp(dir, variants);
  return dir;
}

/** One `next build` of a copy. */
export interface BuildRound {
  /** The copy that was built (its `.next` is the build when `exitCode` is 0). */
  appDir: string;
  variants: string[];
  build: BuildResult;
}

const ROUND_RECORD = 'attack-round.json';

/**
 * Builds a copy holding `variants` with `bundler`, cold. A copy whose inputs (variants, shared files, our packages'
 * output, next, bundler) are identical to a previous round's is not built again: its recorded result is returned,
 * as the harness does for the example (support/next-app.ts `cacheInputs`).
 */
export async function buildAttackRound(variants: string[], bundler: Bundler, packageOutputs: string[], timeoutMs: number): Promise<BuildRound> {
  const key = copyKey(variants, bundler, packageOutputs);
  const appDir = join(COPIES_DIR, `${COPY_PREFIX}${bundler}-${key}`);
  const record = join(appDir, ROUND_RECORD);
  if (existsSync(record)) {
    const previous = JSON.parse(readFileSync(record, 'utf8')) as { build: BuildResult };
    if (previous.build.exitCode !== 0 || existsSync(join(appDir, '.next/BUILD_ID'))) {
      return { appDir, variants, build: { ...previous.build, reused: true } };
    }
  }
  copyAttackApp(appDir, variants);
  const build = await buildNextApp({ appDir, bundler, timeoutMs });
  if (!build.timedOut) writeFileSync(record, JSON.stringify({ build })); // a timeout says nothing about the inputs
  return { appDir, variants, build };
}

/** Removes the copies for `bundler` other than `keep` (older inputs: dead weight, each holding a whole `.next`). */
export function pruneAttackCopies(bundler: Bundler, keep: string[]): void {
  if (!existsSync(COPIES_DIR)) return;
  for (const entry of readdirSync(COPIES_DIR)) {
    const dir = join(COPIES_DIR, entry);
    if (entry.startsWith(`${COPY_PREFIX}${bundler}-`) && !keep.includes(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

// Bundlers print paths absolute or relative, with or without ANSI colours; compare on plain text.
export function plainText(output: string): string {
  // eslint-disable-next-line no-control-regex
  return output.replace(/\u001b\[[0-9;]*m/g, '');
}

/** A diagnostic printed by the build, as `formatDiagnostic` / `formatFinding` write its first line. */
export interface PrintedDiagnostic {
  variant: string;
  /** Path inside the variant folder, e.g. `actions.ts`. */
  file: string;
  line: number | null;
  column: number | null;
  severity: 'error' | 'warning';
  code: string;
  name: string;
  /** The whole first line, for failure messages. */
  text: string;
}

/** Every action-guard diagnostic in `output` about a file under `app/<variant>/` (duplicates removed). */
export function printedDiagnostics(output: string): PrintedDiagnostic[] {
  const pattern = /app\/([\w-]+)\/([\w.-]+)(?::(\d+):(\d+))? (error|warning) (AG\d{3}) ([a-z-]+):[^\n]*/g;
  const seen = new Set<string>();
  const found: PrintedDiagnostic[] = [];
  for (const match of plainText(output).matchAll(pattern)) {
    if (seen.has(match[0])) continue;
    seen.add(match[0]);
    found.push({
      variant: match[1]!,
      file: match[2]!,
      line: match[3] === undefined ? null : Number(match[3]),
      column: match[4] === undefined ? null : Number(match[4]),
      severity: match[5] as 'error' | 'warning',
      code: match[6]!,
      name: match[7]!,
      text: match[0],
    });
  }
  return found;
}

/**
 * A transform diagnostic (`AG1xx`, at `file:line:col`, severity error): the build refusing the module itself, as
 * `next build`, `next dev` and `action-guard audit` all do. The post-build `AG301 unguarded-action` is not one: it
 * only says the transform never wrapped an action Next registered, and `next dev` has no post-build step at all.
 */
export function isTransformRejection(d: PrintedDiagnostic): boolean {
  return d.severity === 'error' && /^AG1\d\d$/.test(d.code) && d.line !== null && d.column !== null;
}

/** Each line of the runs file: one body that ran (lib/runs.ts `recordRun`). */
export interface BodyRun {
  variant: string;
  [detail: string]: unknown;
}

/** The bodies that ran so far, in order, from the file the server appends to (ATTACK_RUNS_FILE). */
export function readRuns(runsFile: string): BodyRun[] {
  if (!existsSync(runsFile)) return [];
  return readFileSync(runsFile, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as BodyRun);
}

/** One entry of `.next/action-guard/manifest.json` (the fields the attack tests read). */
export interface GuardManifestAction {
  id: string;
  ref: string;
  file: string;
  exportName: string | null;
  location: { line: number; column: number } | null;
  policy: { auth: string; roles: string[] } | null;
  guarded: boolean;
}

/** The actions of the action-guard manifest a build of `appDir` wrote. */
export function readGuardManifest(appDir: string): GuardManifestAction[] {
  const manifest = JSON.parse(readFileSync(join(appDir, '.next/action-guard/manifest.json'), 'utf8')) as { actions: GuardManifestAction[] };
  return manifest.actions;
}
