import { REPOSITORY_URL } from '@action-guard/contracts';
import path from 'node:path';
import { CONFIG_FILE_NAMES } from '@action-guard/config';
import type { CommandModule, ParsedArgs } from '../command.js';
import type { CliFs, CommandContext } from '../context.js';
import { CliError, isNotFound } from '../errors.js';
import { editNextConfig, manualLines, NEXT_CONFIG_FILES } from '../init/edit-next-config.js';
import { detectAuthLibrary, libraryActionsOf, renderConfigFile, renderRuntimeModule, type AuthLibrary } from '../init/runtime-module.js';
import { unifiedDiff } from '../init/unified-diff.js';

/** One file `init` creates or edits. */
export interface InitChange {
  /** Posix path relative to the project root. */
  file: string;
  /** The text now, or null for a new file. */
  before: string | null;
  after: string;
  /** Unified diff of the change, one line per entry (so output escaping keeps it readable). */
  diff: string[];
}

/** What `init` found and would do (or did, with `--write`). */
export interface InitResult {
  root: string;
  /** The auth library the runtime module's `session()` is wired to. */
  authLibrary: AuthLibrary;
  changes: InitChange[];
  /** Files left as they are, with why (already wrapped, already there). */
  unchanged: Array<{ file: string; reason: string }>;
  /** The config could not be edited safely: the reason and the two lines to add by hand (exit 1). */
  manual: { file: string | null; reason: string; lines: [string, string] } | null;
  /** Packages the app must install for the generated code. */
  install: string[];
  written: boolean;
  nextSteps: string[];
}

/** Docs page of the adoption path. */
export const ADOPTING_DOCS = `docs/adopting.md (${REPOSITORY_URL}/blob/main/docs/adopting.md)`;

async function readText(fs: CliFs, file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

async function isDirectory(fs: CliFs, dir: string): Promise<boolean> {
  try {
    return (await fs.stat(dir)).isDirectory();
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

// Where apps keep the object their auth library's server API hangs off (Auth.js: `export const { auth } = NextAuth()`,
// better-auth: `export const auth = betterAuth()`), relative to the root, without extension.
const AUTH_FILE_CANDIDATES = ['auth', 'lib/auth', 'server/auth', 'server/auth/index', 'utils/auth', 'auth/index'];
const SCRIPT_EXTENSIONS = ['.ts', '.tsx', '.js', '.mjs'];

async function findAuthModule(fs: CliFs, root: string, srcLayout: boolean, marker: RegExp): Promise<string | null> {
  const prefixes = srcLayout ? ['src/', ''] : ['', 'src/'];
  for (const prefix of prefixes) {
    for (const candidate of AUTH_FILE_CANDIDATES) {
      for (const extension of SCRIPT_EXTENSIONS) {
        const file = `${prefix}${candidate}${extension}`;
        const text = await readText(fs, path.join(root, file));
        if (text !== null && marker.test(text) && /\bexport\b[^;]*\bauth\b/.test(text)) return `${prefix}${candidate}`;
      }
    }
  }
  return null;
}

function relativeImport(fromFile: string, toModule: string): string {
  const specifier = path.posix.relative(path.posix.dirname(fromFile), toModule.replace(/\/index$/, ''));
  return specifier.startsWith('.') ? specifier : `./${specifier}`;
}

/**
 * Plans (and with `write` applies) the adoption edits in a Next.js project root: wraps next.config with
 * `withActionGuard()`, writes `action-guard.config.*` and a runtime module wired to the app's auth library. Files
 * that are already there are left alone, so a second run changes nothing.
 */
export async function init(options: { cwd?: string; write?: boolean }, ctx: CommandContext): Promise<InitResult> {
  const root = path.resolve(ctx.cwd, options.cwd ?? '.');
  const { fs } = ctx;
  const packageText = await readText(fs, path.join(root, 'package.json'));
  if (packageText === null) throw new CliError(`${root} has no package.json`, 'run `action-guard init` in the root of the Next.js app (where package.json and next.config live)');
  let pkg: { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  try {
    pkg = JSON.parse(packageText) as typeof pkg;
  } catch (error) {
    throw new CliError(`${path.join(root, 'package.json')} is not valid JSON: ${(error as Error).message}`, 'fix package.json');
  }
  const dependencies = { ...pkg.devDependencies, ...pkg.dependencies };
  if (dependencies.next === undefined) throw new CliError(`${root}/package.json does not depend on next`, 'run `action-guard init` in the root of the Next.js app');

  const changes: InitChange[] = [];
  const unchanged: InitResult['unchanged'] = [];
  const change = (file: string, before: string | null, after: string) => changes.push({ file, before, after, diff: unifiedDiff(file, before, after).split('\n').slice(0, -1) });

  // next.config.*
  let manual: InitResult['manual'] = null;
  let configFile: string | null = null;
  for (const name of NEXT_CONFIG_FILES) {
    if ((await readText(fs, path.join(root, name))) !== null) {
      configFile = name;
      break;
    }
  }
  const typescript = (await readText(fs, path.join(root, 'tsconfig.json'))) !== null || configFile?.endsWith('ts') === true;
  if (configFile === null) {
    const file = typescript ? 'next.config.ts' : 'next.config.mjs';
    change(file, null, ["import { withActionGuard } from '@action-guard/next';", '', 'export default withActionGuard()({});', ''].join('\n'));
  } else {
    const text = (await readText(fs, path.join(root, configFile)))!;
    const edit = editNextConfig(text, configFile);
    if (edit.kind === 'edit') change(configFile, text, edit.text);
    else if (edit.kind === 'already-wrapped') unchanged.push({ file: configFile, reason: 'already calls withActionGuard()' });
    else manual = { file: configFile, reason: edit.reason, lines: edit.lines };
  }

  // The runtime module, beside the app's other lib code.
  const srcLayout = (await isDirectory(fs, path.join(root, 'src/app'))) && !(await isDirectory(fs, path.join(root, 'app')));
  const runtimeFile = `${srcLayout ? 'src/' : ''}lib/action-guard.${typescript ? 'ts' : 'js'}`;
  const authLibrary = detectAuthLibrary(dependencies);
  let existingConfig: string | null = null;
  for (const name of CONFIG_FILE_NAMES) if ((await readText(fs, path.join(root, name))) !== null) existingConfig ??= name;
  if (existingConfig !== null) {
    unchanged.push({ file: existingConfig, reason: 'an action-guard config is already there' });
  } else {
    change(typescript ? 'action-guard.config.ts' : 'action-guard.config.mjs', null, renderConfigFile(runtimeFile, typescript, libraryActionsOf(authLibrary)));
  }
  if ((await readText(fs, path.join(root, runtimeFile))) !== null) {
    unchanged.push({ file: runtimeFile, reason: 'already there' });
  } else if (existingConfig === null) {
    const marker = authLibrary === 'authjs' ? /\bNextAuth\s*\(/ : /\bbetterAuth\s*\(/;
    const needsModule = authLibrary === 'authjs' || authLibrary === 'better-auth';
    const authModule = needsModule ? await findAuthModule(fs, root, srcLayout, marker) : null;
    const library = needsModule && authModule === null ? 'unknown' : authLibrary;
    change(runtimeFile, null, renderRuntimeModule({ library, authImport: authModule && relativeImport(runtimeFile, authModule), typescript }));
  }

  const install = ['@action-guard/next', '@action-guard/runtime'].filter((name) => dependencies[name] === undefined);
  if (options.write) {
    for (const { file, after } of changes) {
      const absolute = path.join(root, file);
      await fs.mkdir(path.dirname(absolute), { recursive: true });
      await fs.writeFile(absolute, after);
    }
  }
  return {
    root,
    authLibrary,
    changes,
    unchanged,
    manual,
    install,
    written: options.write === true && changes.length > 0,
    nextSteps: [
      ...(install.length ? [`npm install ${install.join(' ')}`] : []),
      ...(options.write || changes.length === 0 ? [] : ['action-guard init --write    apply the changes above']),
      'action-guard baseline       record today’s findings so the build passes, and every new action is checked',
      'action-guard suggest        propose @requiresAuth / @role / @schema from what each action already does',
      `read ${ADOPTING_DOCS}`,
    ],
  };
}

function renderTable(result: InitResult): string {
  const lines: string[] = [];
  for (const change of result.changes) lines.push(...change.diff, '');
  for (const { file, reason } of result.unchanged) lines.push(`= ${file}: ${reason}`);
  if (result.manual) {
    lines.push(`✗ ${result.manual.reason}.`, `  Add these two lines to ${result.manual.file ?? 'next.config'} by hand:`, '', `  ${result.manual.lines[0]}`, `  ${result.manual.lines[1]}`, '');
  }
  if (result.changes.length === 0 && !result.manual) lines.push('Nothing to change: the project is set up.');
  else if (result.written) lines.push(`Wrote ${result.changes.map((c) => c.file).join(', ')}.`);
  lines.push(`session() is wired to: ${result.authLibrary === 'unknown' ? 'nothing known (edit it: it returns null)' : result.authLibrary}`);
  lines.push('', 'Next steps:', ...result.nextSteps.map((step) => `  ${step}`));
  return lines.join('\n');
}

/** The `init` command: `action-guard init [--cwd DIR] [--write]`. */
export const command: CommandModule<InitResult> = {
  run: (args: ParsedArgs, ctx) => init({ cwd: args.values.cwd as string | undefined, write: args.values.write === true }, ctx),
  exitCode: (result) => (result.manual ? 1 : 0),
  render: {
    table: renderTable,
    json: (result) => JSON.stringify(result, null, 2),
  },
};

export { manualLines };
