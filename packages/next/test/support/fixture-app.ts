import { cpSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);

/** The `next` CLI of this package's own next 16 install (run with the current node). */
export const NEXT_BIN = path.join(path.dirname(require.resolve('next/package.json')), 'dist/bin/next');

/** The Next 15.5 install kept beside next 16 for the compatibility builds (devDependency alias `next15`). */
export const NEXT15_DIR = path.join(PACKAGE_DIR, 'node_modules', 'next15');

const RUNTIME_DIR = path.resolve(PACKAGE_DIR, '../runtime');

/** How {@link linkDependencies} lays out a fixture's node_modules. */
export interface LinkOptions {
  /** The `next` install to link (this package's next 16 by default). */
  nextDir?: string;
  /**
   * Install @action-guard/runtime as a copy (package.json + dist) instead of a symlink, so its `next/*` imports
   * resolve to the app's `next` as they do in a real install, not to the workspace's next 16.
   */
  copyRuntime?: boolean;
}

/**
 * Lays out a fixture app's node_modules: this package's installs of next, react and the types, and the workspace
 * packages. The fixtures are not workspace members (pnpm-workspace.yaml is the lead's), so the links are made
 * here rather than by pnpm; their real paths stay inside the workspace, which is Turbopack's root.
 */
export function linkDependencies(appDir: string, options: LinkOptions = {}): void {
  const modules = path.join(appDir, 'node_modules');
  rmSync(modules, { recursive: true, force: true });
  const links: Record<string, string> = {
    next: options.nextDir ?? path.join(PACKAGE_DIR, 'node_modules', 'next'),
    '@action-guard/next': PACKAGE_DIR,
  };
  for (const name of ['react', 'react-dom', 'typescript', '@types/react', '@types/react-dom', '@types/node']) {
    links[name] = path.join(PACKAGE_DIR, 'node_modules', name);
  }
  if (options.copyRuntime) {
    const copy = path.join(modules, '@action-guard/runtime');
    cpSync(path.join(RUNTIME_DIR, 'package.json'), path.join(copy, 'package.json'));
    cpSync(path.join(RUNTIME_DIR, 'dist'), path.join(copy, 'dist'), { recursive: true });
    // Its dependencies and the optional peers its dynamic imports name, as an install would provide them.
    for (const name of ['devalue', '@standard-schema/spec', '@opentelemetry/api', 'redis']) {
      links[name] = path.join(RUNTIME_DIR, 'node_modules', name);
    }
  } else {
    links['@action-guard/runtime'] = RUNTIME_DIR;
  }
  for (const [name, target] of Object.entries(links)) {
    mkdirSync(path.dirname(path.join(modules, name)), { recursive: true });
    symlinkSync(target, path.join(modules, name), 'dir');
  }
}
