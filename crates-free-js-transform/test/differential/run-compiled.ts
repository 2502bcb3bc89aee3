import { parse } from '@babel/parser';
import type { Statement } from '@babel/types';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Evaluates a module compiled by Next's SWC (rsc layer) against the stubs of next-stubs.mjs: every import is
 * rewritten to a small shim file, the module is written to a temporary directory and imported natively.
 */

/** The specifier the transform is told to import the runtime from (mapped to the recording runtime). */
export const RUNTIME_SPECIFIER = '$$differential/runtime';

const STUBS = pathToFileURL(fileURLToPath(new URL('./next-stubs.mjs', import.meta.url))).href;
const require = createRequire(import.meta.url);

/** Shim sources by import specifier; each re-exports what Next's output (or the generated code) imports. */
const SHIMS: Record<string, string> = {
  'private-next-rsc-server-reference': `export { registerServerReference } from '${STUBS}';`,
  'private-next-rsc-action-validate': `export { ensureServerEntryExports } from '${STUBS}';`,
  'private-next-rsc-action-encryption': `export { encryptActionBoundArgs, decryptActionBoundArgs } from '${STUBS}';`,
  'private-next-rsc-cache-wrapper': `export { cache } from '${STUBS}';`,
  react: `export { reactCache as cache, Fragment } from '${STUBS}';`,
  'react/jsx-runtime': `export { jsx, jsxs, Fragment } from '${STUBS}';`,
  'react/jsx-dev-runtime': `export { jsxDEV, Fragment } from '${STUBS}';`,
  './helpers': `export { mark, wrap, canEdit, sharedInput } from '${STUBS}';`,
  './data.json': 'export default { from: "data.json" };',
  [RUNTIME_SPECIFIER]: `export { runtime as default } from '${STUBS}';`,
};

/** The stubs module itself (for resetting and reading the shared state). */
export interface Stubs {
  state: () => { events: RecordedEvent[]; allow: boolean; registrations: Registration[] };
  resetState: () => void;
  placeholder: () => unknown;
}
/** One entry of the event log. */
export type RecordedEvent = { type: 'guard'; ref: string; self: unknown } | { type: 'body'; label: string };
/** One `registerServerReference(reference, id)` call. */
export interface Registration {
  reference: unknown;
  id: string;
  exportName: string | null;
}

/** Loads the stubs (the same instance the evaluated modules import). */
export async function loadStubs(): Promise<Stubs> {
  return (await nativeImport(STUBS)) as Stubs;
}

// Under vitest the evaluated modules and this file may get separate instances of the stubs; they share one state
// through globalThis (next-stubs.mjs), so either instance records into the same log.
const nativeImport = (specifier: string): Promise<unknown> => import(specifier);

let directory: string | null = null;
let counter = 0;

/** The temporary directory holding shims and evaluated modules (created once per process, removed at exit). */
function workDirectory(): string {
  if (directory !== null) return directory;
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'action-guard-differential-'));
  const created = directory;
  process.once('exit', () => fs.rmSync(created, { recursive: true, force: true }));
  return created;
}

/** The file URL a specifier of a compiled module is rewritten to. */
function shimUrl(specifier: string): string {
  const dir = workDirectory();
  if (specifier.startsWith('@swc/helpers/')) {
    // Next aliases @swc/helpers to its own copy; SWC emits helper imports only for syntax Node lacks.
    return pathToFileURL(require.resolve(specifier, { paths: [path.dirname(require.resolve('next/package.json'))] })).href;
  }
  const source = SHIMS[specifier];
  if (source === undefined) throw new Error(`the differential harness has no shim for the import ${JSON.stringify(specifier)}`);
  const file = path.join(dir, `shim-${Buffer.from(specifier).toString('hex')}.mjs`);
  if (!fs.existsSync(file)) fs.writeFileSync(file, source);
  return pathToFileURL(file).href;
}

/** Rewrites every import and re-export source of a compiled module to its shim, dropping import attributes. */
export function rewriteImports(code: string): string {
  const body = parse(code, { sourceType: 'module', plugins: [['importAttributes', { deprecatedAssertSyntax: true }]] }).program
    .body as Statement[];
  const edits: { start: number; end: number; text: string }[] = [];
  for (const statement of body) {
    if (statement.type !== 'ImportDeclaration' && statement.type !== 'ExportAllDeclaration' && statement.type !== 'ExportNamedDeclaration') continue;
    if (!statement.source) continue;
    const attributes = (statement as { attributes?: unknown[] }).attributes ?? [];
    const end = attributes.length > 0 ? code.lastIndexOf('}', statement.end!) + 1 : statement.source.end!;
    edits.push({ start: statement.source.start!, end, text: JSON.stringify(shimUrl(statement.source.value)) });
  }
  let result = code;
  for (const edit of edits.reverse()) result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
  return result;
}

/** Writes the rewritten module to the work directory and imports it; returns its namespace. */
export async function evaluateCompiled(code: string): Promise<Record<string, unknown>> {
  const file = path.join(workDirectory(), `module-${process.pid}-${counter++}.mjs`);
  fs.writeFileSync(file, rewriteImports(code));
  try {
    return (await nativeImport(pathToFileURL(file).href)) as Record<string, unknown>;
  } finally {
    fs.rmSync(file, { force: true });
  }
}
