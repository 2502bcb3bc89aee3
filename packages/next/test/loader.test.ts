import * as realFs from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import { loadConfig } from '@action-guard/config';
import { Volume, createFsFromVolume } from 'memfs';
import { Union } from 'unionfs';
import { afterAll, beforeEach, describe, expect, test } from 'vitest';
import webpack, { type Configuration, type Stats } from 'webpack';
import type { LoaderOptions } from '../src/loader-options.js';

// The built loader, exactly as webpack and Turbopack load it (`@action-guard/next/loader` → dist/loader.cjs).
const require = createRequire(import.meta.url);
const LOADER = require.resolve('@action-guard/next/loader');
const { cacheStats } = require(LOADER) as { cacheStats: { hits: number; misses: number } };

// A project that exists only in memory; webpack reads it through memfs, and everything else (the loader and its
// dependencies) through the real file system.
const ROOT = '/virtual/app';

const GUARDED = `"use server";

const noteSchema = { "~standard": { version: 1, vendor: "test", validate: (value) => ({ value }) } };

/**
 * Saves a note for the signed-in user.
 * @requiresAuth
 * @schema noteSchema
 */
export async function saveNote(formData) {
  return { ok: true, text: String(formData.get("text")) };
}
`;

const BROKEN = `"use server";

export async function deleteEverything(id) {
  return id;
}

/** @requireAuth */
export async function rename(formData) {
  return formData;
}
`;

interface Compiled {
  stats: Stats;
  memory: ReturnType<typeof createFsFromVolume>;
}

async function compile(files: Record<string, string>, options: LoaderOptions, extra: Configuration = {}): Promise<Compiled> {
  const volume = Volume.fromJSON(files, ROOT);
  const memory = createFsFromVolume(volume);
  const union = new Union();
  union.use(realFs).use(memory as unknown as typeof realFs);
  const compiler = webpack({
    mode: 'development',
    context: ROOT,
    devtool: 'source-map',
    target: 'node',
    output: { path: '/virtual/out', filename: '[name].js', library: { type: 'commonjs2' } },
    externals: { '@action-guard/runtime/default': 'commonjs @action-guard/runtime/default' },
    module: {
      rules: [{ test: /\.(c|m)?[jt]sx?$/, exclude: /node_modules/, enforce: 'pre', use: [{ loader: LOADER, options }] }],
    },
    ...extra,
  });
  compiler.inputFileSystem = union as unknown as typeof compiler.inputFileSystem;
  compiler.outputFileSystem = memory as unknown as typeof compiler.outputFileSystem;
  const stats = await new Promise<Stats>((resolve, reject) =>
    compiler.run((error, result) => (error ? reject(error) : resolve(result!))),
  );
  await new Promise((resolve) => compiler.close(resolve));
  return { stats, memory };
}

// Real directories the tests create (an empty project, record directories); removed when the file is done.
const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = realFs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) realFs.rmSync(dir, { recursive: true, force: true });
});

async function optionsFor(inline = {}): Promise<LoaderOptions> {
  // The resolved config of an empty real directory: strict defaults, root moved to the virtual project.
  const config = await loadConfig({ cwd: tempDir('ag-loader-'), inline });
  const recordsDir = tempDir('ag-records-');
  return { config: { ...config, root: ROOT }, recordsDir };
}

beforeEach(() => {
  cacheStats.hits = 0;
  cacheStats.misses = 0;
});

describe('the loader inside a real webpack compilation', () => {
  test('wraps a guarded action and writes its record for the post-build step', async () => {
    const options = await optionsFor();
    const { stats, memory } = await compile({ 'app/actions.js': GUARDED }, options, { entry: { main: './app/actions.js' } });
    expect(stats.hasErrors()).toBe(false);
    const bundle = String(memory.readFileSync('/virtual/out/main.js'));
    expect(bundle).toContain('@action-guard/runtime/default');
    expect(bundle).toContain('.guard(');

    const [recordFile] = realFs.readdirSync(options.recordsDir);
    const record = JSON.parse(realFs.readFileSync(path.join(options.recordsDir, recordFile!), 'utf8'));
    expect(record.file).toBe('app/actions.js');
    expect(record.actions).toEqual([
      expect.objectContaining({ ref: 'app/actions.js#saveNote', exportName: 'saveNote', guarded: true }),
    ]);
  });

  test('parses a file once although it is compiled on several layers', async () => {
    const options = await optionsFor();
    const { stats } = await compile({ 'app/actions.js': GUARDED }, options, {
      experiments: { layers: true },
      entry: {
        rsc: { import: './app/actions.js', layer: 'rsc' },
        ssr: { import: './app/actions.js', layer: 'ssr' },
        browser: { import: './app/actions.js', layer: 'app-pages-browser' },
      },
    });
    expect(stats.hasErrors()).toBe(false);
    expect(stats.toJson({ modules: true }).modules?.filter((m) => m.name?.includes('actions.js'))).toHaveLength(3);
    expect(cacheStats).toEqual({ misses: 1, hits: 2 });
  });

  test('leaves files without a "use server" directive untouched and unparsed', async () => {
    const options = await optionsFor();
    const plain = 'export const answer = 42;\n';
    const { stats, memory } = await compile({ 'app/util.js': plain }, options, { entry: { main: './app/util.js' } });
    expect(stats.hasErrors()).toBe(false);
    expect(cacheStats.misses).toBe(0);
    expect(String(memory.readFileSync('/virtual/out/main.js'))).toContain('answer = 42');
  });

  test('an escaped "use server" spelling Next honours still reaches the transform and is guarded', async () => {
    const options = await optionsFor();
    // Next cooks the directive: '\u0075se\x20server' is "use server", so Next registers `steal` as an action.
    const escaped = "'\\u0075se\\x20server';\n/** @requiresAuth */\nexport async function steal() { return 'secret'; }\n";
    const { stats, memory } = await compile({ 'app/escaped.js': escaped }, options, { entry: { main: './app/escaped.js' } });
    expect(stats.hasErrors()).toBe(false);
    expect(cacheStats.misses).toBe(1);
    expect(String(memory.readFileSync('/virtual/out/main.js'))).toContain('.guard(');
  });

  test('imports the configured runtime module through a path relative to each file', async () => {
    const options = await optionsFor();
    options.config.runtime = `${ROOT}/lib/action-guard.js`;
    const { stats, memory } = await compile(
      { 'app/notes/actions.js': GUARDED, 'lib/action-guard.js': 'export default { guard: (meta, args, impl) => impl(...args) };\n' },
      options,
      { entry: { main: './app/notes/actions.js' } },
    );
    expect(stats.hasErrors()).toBe(false);
    const bundle = String(memory.readFileSync('/virtual/out/main.js'));
    expect(bundle).toContain('./lib/action-guard.js');
    expect(bundle).not.toContain('@action-guard/runtime/default');
  });

  test('returns a source map that points back into the original file', async () => {
    const options = await optionsFor();
    const { memory } = await compile({ 'app/actions.js': GUARDED }, options, { entry: { main: './app/actions.js' } });
    const bundle = String(memory.readFileSync('/virtual/out/main.js'));
    const map = new TraceMap(String(memory.readFileSync('/virtual/out/main.js.map')));
    const lines = bundle.split('\n');
    const line = lines.findIndex((text) => text.includes('String(formData.get("text"))'));
    const column = lines[line]!.indexOf('String(formData.get("text"))');
    const original = originalPositionFor(map, { line: line + 1, column });
    expect(original.source).toContain('app/actions.js');
    expect(original.line).toBe(GUARDED.split('\n').findIndex((text) => text.includes('String(formData')) + 1);
  });

  test('reports every policy error as one webpack error with file:line:col, code frame and fix', async () => {
    const options = await optionsFor();
    const { stats } = await compile({ 'app/actions.js': BROKEN }, options, { entry: { main: './app/actions.js' } });
    expect(stats.hasErrors()).toBe(true);
    const [error] = stats.toJson({ errors: true }).errors ?? [];
    expect(error?.message).toContain('app/actions.js:3:');
    expect(error?.message).toMatch(/AG\d{3} missing-auth-decision/);
    expect(error?.message).toMatch(/app\/actions\.js:7:\d+ error AG\d{3} unknown-tag/);
    expect(error?.message).toContain('fix:');
    expect(error?.message).toContain('> 3 | export async function deleteEverything(id) {');
    // The loader's own stack would only point into node_modules; webpack is told to hide it.
    expect(error?.message).not.toContain('at transformCached');
  });

  test('turns a warning-level check into a webpack warning and still compiles', async () => {
    const options = await optionsFor({ checks: { 'missing-auth-decision': 'warn', 'unknown-tag': 'warn', 'missing-schema': 'warn' } });
    const { stats } = await compile({ 'app/actions.js': BROKEN }, options, { entry: { main: './app/actions.js' } });
    expect(stats.hasErrors()).toBe(false);
    const warnings = stats.toJson({ warnings: true }).warnings ?? [];
    expect(warnings.map((w) => w.message).join('\n')).toMatch(/AG\d{3} missing-auth-decision/);
  });
});
