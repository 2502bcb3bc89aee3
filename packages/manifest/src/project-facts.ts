import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Reads a file, or returns null when it does not exist. */
export async function readIfExists(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw error;
  }
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight; results in input order. The post-build step reads
 * one small file per module (records, sources, client chunks): one after another, every read waits a full
 * thread-pool round trip, mostly idle (docs/measurements.md#post-build-concurrent-reads); all at once, a large app
 * could run out of file descriptors.
 */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** How many files the post-build step reads at once. */
export const READ_CONCURRENCY = 16;

/** sha256 hex of a file's bytes, or null when it does not exist; the same hash the loader stores as `sourceSha256`. */
export async function sha256OfFile(file: string): Promise<string | null> {
  try {
    return createHash('sha256').update(await fs.readFile(file)).digest('hex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * The commit checked out at `startDir`, read from `.git` without spawning git (which may be absent in a build
 * image). Handles worktrees (`.git` file with `gitdir:`), loose and packed refs, and a detached HEAD; null when
 * there is no repository or the ref cannot be resolved.
 */
export async function readGitCommit(startDir: string): Promise<string | null> {
  let dir = path.resolve(startDir);
  for (let depth = 0; depth < 64; depth++) {
    const dotGit = path.join(dir, '.git');
    const stat = await fs.stat(dotGit).catch(() => null);
    if (stat) {
      let gitDir = dotGit;
      if (stat.isFile()) {
        const pointer = /^gitdir:\s*(.+)\s*$/m.exec((await readIfExists(dotGit)) ?? '');
        if (!pointer) return null;
        gitDir = path.resolve(dir, pointer[1]!.trim());
      }
      const commonDirText = await readIfExists(path.join(gitDir, 'commondir'));
      const commonDir = commonDirText ? path.resolve(gitDir, commonDirText.trim()) : gitDir;
      const head = (await readIfExists(path.join(gitDir, 'HEAD')))?.trim();
      if (!head) return null;
      if (/^[0-9a-f]{40,64}$/.test(head)) return head;
      const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
      if (!ref) return null;
      for (const base of [gitDir, commonDir]) {
        const loose = (await readIfExists(path.join(base, ref)))?.trim();
        if (loose && /^[0-9a-f]{40,64}$/.test(loose)) return loose;
      }
      const packed = (await readIfExists(path.join(commonDir, 'packed-refs'))) ?? '';
      for (const line of packed.split('\n')) {
        const [sha, name] = line.trim().split(' ');
        if (name === ref && sha && /^[0-9a-f]{40,64}$/.test(sha)) return sha;
      }
      return null;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
  return null;
}

/**
 * The build id. `runAfterProductionCompile` runs before Next writes `BUILD_ID` (next/dist/build/index.js writes it
 * after the compile step), so fall back to the one directory of `static/` that holds `_buildManifest.js`.
 */
export async function readBuildId(distDir: string): Promise<string | null> {
  const fromFile = (await readIfExists(path.join(distDir, 'BUILD_ID')))?.trim();
  if (fromFile) return fromFile;
  const entries = await fs.readdir(path.join(distDir, 'static'), { withFileTypes: true }).catch(() => []);
  const candidates: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name === 'chunks' || entry.name === 'css' || entry.name === 'media') continue;
    const hasManifest = await fs.stat(path.join(distDir, 'static', entry.name, '_buildManifest.js')).then(() => true, () => false);
    if (hasManifest) candidates.push(entry.name);
  }
  return candidates.length === 1 ? candidates[0]! : null;
}

// A token of exactly 42 hex characters: the length of every action id (SERVER_REFERENCE_ID_LENGTH in
// next/dist/esm/shared/lib/server-reference-info.js).
const ACTION_ID_TOKEN = /(?<![0-9a-fA-F])[0-9a-f]{42}(?![0-9a-fA-F])/g;

/**
 * Every action-id-shaped token in the client JavaScript under `<distDir>/static`. One pass over the files, so the
 * cost does not grow with the number of actions.
 */
export async function collectClientIdTokens(distDir: string): Promise<Set<string>> {
  const tokens = new Set<string>();
  const root = path.join(distDir, 'static');
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries
    .filter((entry) => entry.isFile() && /\.(m?js|cjs)$/.test(entry.name))
    // `parentPath` is the Node 20.12+ name; `path` the older one.
    .map((entry) => path.join((entry as { parentPath?: string }).parentPath ?? (entry as unknown as { path: string }).path, entry.name));
  await mapConcurrently(files, READ_CONCURRENCY, async (file) => {
    const text = await fs.readFile(file, 'utf8');
    for (const match of text.matchAll(ACTION_ID_TOKEN)) tokens.add(match[0]);
  });
  return tokens;
}

/**
 * Turns Next's `filename` into a posix path relative to the project. webpack's is project-relative; Turbopack's is
 * relative to the Turbopack root, which may be an ancestor (a monorepo's workspace root). Tries the project dir,
 * then each ancestor, and keeps the first that names an existing file inside the project.
 */
export function createFileNormalizer(projectDir: string, exists: (absolute: string) => boolean): (filename: string) => string {
  const project = path.resolve(projectDir);
  const cache = new Map<string, string>();
  const toPosix = (p: string) => p.split(path.sep).join('/');
  return (filename) => {
    const cached = cache.get(filename);
    if (cached !== undefined) return cached;
    let result: string | null = null;
    if (path.isAbsolute(filename)) {
      result = toPosix(path.relative(project, filename));
    } else if (exists(path.join(project, 'src/app')) && !exists(path.join(project, 'app')) && exists(path.join(project, 'src', filename))) {
      // webpack names a `src/` layout's files relative to src/ (`app/account/actions.ts`; seen in
      // test/fixtures/adopt-supabase), Turbopack relative to its root: both are the one file under src/.
      result = toPosix(path.join('src', filename));
    } else {
      for (let base = project, depth = 0; depth < 64; depth++) {
        const absolute = path.resolve(base, filename);
        const relative = path.relative(project, absolute);
        if (!relative.startsWith('..') && !path.isAbsolute(relative) && exists(absolute)) {
          result = toPosix(relative);
          break;
        }
        const parent = path.dirname(base);
        if (parent === base) break;
        base = parent;
      }
    }
    const final = result ?? toPosix(filename);
    cache.set(filename, final);
    return final;
  };
}
