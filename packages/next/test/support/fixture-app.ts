import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);

/** The `next` CLI of this package's own next 16 install (run with the current node). */
export const NEXT_BIN = path.join(path.dirname(require.resolve('next/package.json')), 'dist/bin/next');

/**
 * Links what a fixture app imports into its node_modules: this package's installs of next, react and the types,
 * and the workspace packages. The fixtures are not workspace members (pnpm-workspace.yaml is the lead's), so
 * the links are made here rather than by pnpm; their real paths stay inside the workspace, Turbopack's root.
 * `next` can be swapped for another install (e.g. Next 15.5) through `nextDir`.
 */
export function linkDependencies(appDir: string, nextDir = path.join(PACKAGE_DIR, 'node_modules', 'next')): void {
  const modules = path.join(appDir, 'node_modules');
  rmSync(modules, { recursive: true, force: true });
  const links: Record<string, string> = {
    next: nextDir,
    '@action-guard/next': PACKAGE_DIR,
    '@action-guard/runtime': path.resolve(PACKAGE_DIR, '../runtime'),
  };
  for (const name of ['react', 'react-dom', 'typescript', '@types/react', '@types/react-dom', '@types/node']) {
    links[name] = path.join(PACKAGE_DIR, 'node_modules', name);
  }
  for (const [name, target] of Object.entries(links)) {
    mkdirSync(path.dirname(path.join(modules, name)), { recursive: true });
    symlinkSync(target, path.join(modules, name), 'dir');
  }
}
