import { parse } from '@babel/parser';
import type { Statement } from '@babel/types';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

// Pinned deep imports of next@16.4.6 (a devDependency): Next has no public API for its SWC transform, and the oracle
// must run exactly the code `next build` runs. getLoaderSWCOptions is what next-swc-loader calls per layer.
const swc = require('next/dist/build/swc') as {
  loadBindings: () => Promise<unknown>;
  transform: (code: string, options: object) => Promise<{ code: string }>;
};
const { getLoaderSWCOptions } = require('next/dist/build/swc/options') as {
  getLoaderSWCOptions: (options: Record<string, unknown>) => Record<string, unknown>;
};

/** The App Router layers that run the server-actions transform (docs/next-internals.md §1). */
export type Layer = 'rsc' | 'ssr' | 'app-pages-browser';

/** What Next's SWC made of a module on one layer. */
export type NextResult = { ok: true; code: string; actions: Map<string, string> } | { ok: false; error: string };

/**
 * The Next configuration a compile stands for. The default is what the oracle has always used: webpack,
 * `cacheComponents` off, `"use cache"` allowed.
 *
 * `bundler: 'turbopack'` reproduces what Turbopack hands the same Rust transform
 * (next-core `NextServerActions::transform`, which calls `server_actions` with the file path relative to the
 * Turbopack root, the encryption key as salt, and `ServerActionsMode::Turbopack`), as far as the napi binding lets us:
 * - the file name is the path relative to the project root (`/project`), so IDs are hashed from it as Turbopack does;
 * - Turbopack registers the transform as a `preprocess` rule, which runs before the TypeScript strip (turbopack
 *   `apply_module_rule_transforms` puts collected preprocess transforms ahead of the module type's own), so the
 *   transform sees type-only module items; the binding always strips types first. A type-only item ahead of a
 *   directive therefore closes the directive prologue on Turbopack only: we replace the first such item by
 *   `void 0;`, which closes the prologue the same way through the binding (see `emulateTypeScriptPrologue`).
 * Not reproducible through the binding (it hard-codes `ServerActionsMode::Webpack` and no query): the client layers'
 * `data:` URL re-exports and the server layer's comment tuple format (the registered names and IDs come from the same
 * code paths in both modes), and TypeScript-only syntax anywhere else (casts around an exported function change its
 * argument mask, not its name). Turbopack has no `action-browser` layer; its client transform covers ssr and browser.
 */
export interface NextCompileConfig {
  bundler?: 'webpack' | 'turbopack';
  /** next.config `cacheComponents` (getLoaderSWCOptions `isCacheComponents`). Default false. */
  isCacheComponents?: boolean;
  /** `"use cache"` allowed (cacheComponents or experimental.useCache). Default true. */
  useCacheEnabled?: boolean;
}

/** The project root every filename passed here lives under. */
export const PROJECT_ROOT = '/project';

const ENTRY = /__next_internal_action_entry_do_not_use__ (\{.*?\}) \*\//;

/** Runs Next's own SWC transform (with the options next-swc-loader builds) on one layer. */
export async function nextTransform(
  code: string,
  filename: string,
  layer: Layer,
  inputSourceMap?: object,
  config: NextCompileConfig = {},
): Promise<NextResult & { map?: string }> {
  await swc.loadBindings();
  const turbopack = config.bundler === 'turbopack';
  const swcFilename = turbopack ? path.posix.relative(PROJECT_ROOT, filename) : filename;
  const options = getLoaderSWCOptions({
    filename: swcFilename,
    development: false,
    isServer: layer !== 'app-pages-browser',
    pagesDir: undefined,
    appDir: '/project/app',
    isPageFile: false,
    hasReactRefresh: false,
    configDir: '/project',
    relativeFilePathFromRoot: filename.replace('/project/', ''),
    bundleLayer: layer,
    serverComponents: true,
    serverReferenceHashSalt: 'action-guard-oracle-salt',
    esm: true,
    jsConfig: {},
    isCacheComponents: config.isCacheComponents ?? false,
    useCacheEnabled: config.useCacheEnabled ?? true,
    pageExtensions: ['tsx', 'ts', 'jsx', 'js'],
  });
  try {
    const output = (await swc.transform(turbopack ? emulateTypeScriptPrologue(code, filename) : code, {
      ...options,
      filename: swcFilename,
      sourceMaps: inputSourceMap !== undefined,
      ...(inputSourceMap === undefined ? {} : { inputSourceMap: JSON.stringify(inputSourceMap) }),
    })) as { code: string; map?: string };
    const entry = ENTRY.exec(output.code);
    const actions = new Map<string, string>();
    if (entry !== null) {
      for (const [id, value] of Object.entries(JSON.parse(entry[1]!) as Record<string, { name: string }>)) {
        actions.set(id, value.name);
      }
    }
    return { ok: true, code: output.code, actions, ...(output.map === undefined ? {} : { map: output.map }) };
  } catch (error) {
    return { ok: false, error: String((error as Error).message ?? error) };
  }
}

/** Whether a top-level statement exists only for the type checker (SWC's TypeScript strip removes it). */
function isTypeOnly(statement: Statement): boolean {
  switch (statement.type) {
    case 'ImportDeclaration':
      return (
        statement.importKind === 'type' ||
        (statement.specifiers.length > 0 &&
          statement.specifiers.every((specifier) => specifier.type === 'ImportSpecifier' && specifier.importKind === 'type'))
      );
    case 'ExportNamedDeclaration':
      return statement.exportKind === 'type' || (statement.declaration != null && isTypeOnly(statement.declaration));
    case 'ExportAllDeclaration':
      return statement.exportKind === 'type';
    case 'TSTypeAliasDeclaration':
    case 'TSInterfaceDeclaration':
    case 'TSDeclareFunction':
      return true;
    case 'VariableDeclaration':
    case 'ClassDeclaration':
    case 'TSModuleDeclaration':
    case 'TSEnumDeclaration':
      return statement.declare === true;
    default:
      return false;
  }
}

/**
 * Turbopack's transform sees the TypeScript AST, so a type-only item in the directive prologue ends it there
 * (`import type { U } from './u'; 'use server'` is Next's "must be at the top of the file" error), while webpack's
 * sees the stripped module and honours the directive. Replaces the first type-only top-level item that only
 * string-literal statements precede by `void 0;`, which ends the prologue for the binding too; everything else is
 * left as it is.
 */
export function emulateTypeScriptPrologue(code: string, filename: string): string {
  if (!/\.[cm]?tsx?$/.test(filename)) return code;
  let body: Statement[];
  try {
    body = parse(code, {
      sourceType: 'module',
      plugins: ['typescript', ...(filename.endsWith('x') ? (['jsx'] as const) : []), ['importAttributes', { deprecatedAssertSyntax: true }]],
    }).program.body as Statement[];
  } catch {
    return code;
  }
  for (const statement of body) {
    if (isTypeOnly(statement)) {
      const original = code.slice(statement.start!, statement.end!);
      return code.slice(0, statement.start!) + 'void 0;' + original.replace(/[^\n]/g, '') + code.slice(statement.end!);
    }
    const isString = statement.type === 'ExpressionStatement' && statement.expression.type === 'StringLiteral';
    if (!isString) return code;
  }
  return code;
}
