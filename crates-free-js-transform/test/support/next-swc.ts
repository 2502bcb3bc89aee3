import { createRequire } from 'node:module';

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

/** The App Router layers that run the server-actions transform (NEXT-INTERNALS §1). */
export type Layer = 'rsc' | 'ssr' | 'app-pages-browser';

/** What Next's SWC made of a module on one layer. */
export type NextResult = { ok: true; code: string; actions: Map<string, string> } | { ok: false; error: string };

const ENTRY = /__next_internal_action_entry_do_not_use__ (\{.*?\}) \*\//;

/** Runs Next's own SWC transform (with the options next-swc-loader builds) on one layer. */
export async function nextTransform(
  code: string,
  filename: string,
  layer: Layer,
  inputSourceMap?: object,
): Promise<NextResult & { map?: string }> {
  await swc.loadBindings();
  const options = getLoaderSWCOptions({
    filename,
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
    isCacheComponents: false,
    useCacheEnabled: true,
    pageExtensions: ['tsx', 'ts', 'jsx', 'js'],
  });
  try {
    const output = (await swc.transform(code, {
      ...options,
      filename,
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
