import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Finding, ManifestAction } from './types.js';

/**
 * AG304 (`unreferenced-action`) is computed from the client bundles, which never name an action that only Server
 * Components pass on: `<form action={createPost}>` in a Server Component reaches the browser in the RSC payload of
 * each render, not in any JavaScript file. Such an action is used, and reporting it on every build taught teams to
 * ignore the warning. This reads the app's source for the ways a Server Component passes an action on (issue #16):
 *
 * - as a JSX attribute value: `action={createPost}`, `formAction={createPost}`, `onSave={createPost}`;
 * - bound: `createPost.bind(null, id)` (only to pass it on: a server caller would just call it);
 * - the same through a namespace import: `action={actions.createPost}`.
 *
 * The action must be imported (by name, as default, or as a namespace) from a specifier that resolves to its file:
 * relative, or a path alias (`@/`, `~/`, `#`) or `baseUrl` path whose tail is the file's path. An action that is
 * only called on the server, or never imported, stays reported: it is an endpoint no page needs.
 */

/** One exported action that client bundles do not reference. */
export interface UnreferencedCandidate {
  /** `<file>#<export>`. */
  ref: string;
  /** Posix path relative to the project root. */
  file: string;
  /** The exported name (`default` for a default export). */
  exportName: string;
}

const SOURCE_FILE = /\.(?:[cm]?[jt]s|[jt]sx)$/;
const DECLARATION_FILE = /\.d\.[cm]?ts$/;
const EXTENSION = /\.(?:[cm]?[jt]s|[jt]sx)$/;
// A dist directory (`.next`, or a renamed `distDir`) holds compiled chunks, never app code.
const DIST_MARKERS = new Set(['BUILD_ID', 'build-manifest.json', 'app-build-manifest.json']);
// `import … from '…'` except `import type`; the clause is matched up to `from`.
const IMPORT = /\bimport\s+(?!type[\s{])([\w$\s{},*]+?)\s*from\s*['"]([^'"\n]+)['"]/g;

/** The refs of `candidates` that some source file of the project passes on from server code. */
export async function findActionsPassedByServerCode(projectDir: string, candidates: readonly UnreferencedCandidate[]): Promise<Set<string>> {
  const passed = new Set<string>();
  if (candidates.length === 0) return passed;
  const names = new Set(candidates.map((candidate) => candidate.exportName));
  for (const absolute of await sourceFiles(projectDir)) {
    const text = await fs.readFile(absolute, 'utf8').catch(() => null);
    if (text === null || ![...names].some((name) => name === 'default' || text.includes(name))) continue;
    const importer = path.relative(projectDir, absolute).split(path.sep).join('/');
    for (const ref of passedIn(text, importer, candidates)) passed.add(ref);
  }
  return passed;
}

/** The refs of `candidates` that `text` (the module at `importer`) imports and passes on. */
export function passedIn(text: string, importer: string, candidates: readonly UnreferencedCandidate[]): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const clause = match[1]!;
    const specifier = match[2]!;
    const targets = candidates.filter((candidate) => candidate.file !== importer && resolvesTo(specifier, importer, candidate.file));
    if (targets.length === 0) continue;
    const bindings = readClause(clause);
    for (const candidate of targets) {
      const locals = bindings.named.filter(([imported]) => imported === candidate.exportName).map(([, local]) => local);
      if (candidate.exportName === 'default' && bindings.defaultName !== null) locals.push(bindings.defaultName);
      const expressions = [...locals, ...(bindings.namespace === null ? [] : [`${bindings.namespace}.${candidate.exportName}`])];
      if (expressions.some((expression) => passesOn(text, expression))) found.push(candidate.ref);
    }
  }
  return found;
}

/** `Default, { a, b as c, type d }` or `* as ns`: the value bindings of an import clause. */
function readClause(clause: string): { defaultName: string | null; named: [string, string][]; namespace: string | null } {
  const named: [string, string][] = [];
  const braces = /\{([^}]*)\}/.exec(clause);
  for (const part of braces?.[1]?.split(',') ?? []) {
    const words = part.trim().split(/\s+/).filter((word) => word !== '');
    if (words.length === 0 || words[0] === 'type') continue;
    named.push([words[0]!, words[2] ?? words[0]!]);
  }
  const rest = clause.replace(/\{[^}]*\}/, '');
  const namespace = /\*\s*as\s+([\w$]+)/.exec(rest)?.[1] ?? null;
  const defaultName = /^\s*([\w$]+)/.exec(rest.replace(/\*\s*as\s+[\w$]+/, ''))?.[1] ?? null;
  return { defaultName, named, namespace };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether `expression` is a JSX attribute's value (`={x}`) or is bound (`x.bind(`) somewhere in `text`. */
function passesOn(text: string, expression: string): boolean {
  const name = escape(expression);
  return new RegExp(`=\\{\\s*${name}\\s*\\}`).test(text) || new RegExp(`(?<![\\w$.])${name}\\s*\\.\\s*bind\\s*\\(`).test(text);
}

/** Whether `specifier`, imported by the module at `importer`, names the module at `file` (posix, project-relative). */
export function resolvesTo(specifier: string, importer: string, file: string): boolean {
  const base = file.replace(EXTENSION, '');
  if (specifier.startsWith('.')) {
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(importer), specifier)).replace(EXTENSION, '');
    return resolved === base || `${resolved}/index` === base;
  }
  // A path alias or a baseUrl path: its tail after the alias is the file's path, or a tail of it (`@/*` → `./src/*`).
  const tail = specifier.startsWith('@/') || specifier.startsWith('~/') || specifier.startsWith('#/') ? specifier.slice(2) : specifier.startsWith('#') ? specifier.slice(1) : specifier;
  const bare = tail.replace(EXTENSION, '');
  if (bare === '') return false;
  return [bare, `${bare}/index`].some((candidate) => base === candidate || base.endsWith(`/${candidate}`));
}

/** Every source file of the project: no node_modules, no dot-directories, no dist directory. */
async function sourceFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 64) return;
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    if (depth > 0 && entries.some((entry) => entry.isFile() && DIST_MARKERS.has(entry.name))) return;
    for (const entry of entries) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full, depth + 1);
      else if (entry.isFile() && SOURCE_FILE.test(entry.name) && !DECLARATION_FILE.test(entry.name)) found.push(full);
    }
  };
  await walk(root, 0);
  return found;
}

/**
 * `findings` without the `unreferenced-action` ones for actions the project's server code passes on. The build and
 * `action-guard audit` both apply it to what `findingsForAction` reported, so they agree.
 */
export async function withoutServerPassedActions(findings: readonly Finding[], actions: readonly ManifestAction[], projectDir: string): Promise<Finding[]> {
  const reported = new Set(findings.flatMap((finding) => (finding.name === 'unreferenced-action' && finding.ref !== null ? [finding.ref] : [])));
  const candidates = actions.flatMap((action) =>
    reported.has(action.ref) && action.exportName !== null ? [{ ref: action.ref, file: action.file, exportName: action.exportName }] : [],
  );
  const passed = await findActionsPassedByServerCode(projectDir, candidates);
  return findings.filter((finding) => !(finding.name === 'unreferenced-action' && finding.ref !== null && passed.has(finding.ref)));
}
