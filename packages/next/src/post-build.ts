import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { toTransformOptions, type ResolvedConfig } from '@action-guard/config';
import { formatFinding, gradeFindings, isInsideLoaderReach } from '@action-guard/contracts';
import { isAcceptedLibraryAction, libraryOfFile, writeActionManifest, type ActionManifest, type Finding } from '@action-guard/manifest';
import { baselineSummary, refFile, staleBaselineEntries, type BaselineEntry } from '@action-guard/transform/baseline';

/** What Next passes to `compiler.runAfterProductionCompile` (next/dist/build/after-production-compile.js). */
export interface AfterCompileMetadata {
  /** Absolute project directory. */
  projectDir: string;
  /** Absolute output directory (`.next` by default). */
  distDir: string;
}

/**
 * Applies the user's `checks` to the manifest step's findings: the one grader `action-guard audit` uses too
 * (@action-guard/contracts). `checks['unreferenced-action']: 'off'` drops those and `'error'` makes them fail the
 * build; findings without a configurable check keep the severity the manifest package gave them.
 */
export { gradeFindings };

/** How many warnings of one code the build prints in full before it summarises the rest of that code. */
export const WARNINGS_PER_CODE = 5;

/**
 * The build output for warning findings: each in full, but at most {@link WARNINGS_PER_CODE} per code, then one line
 * that counts the rest. A large app can have hundreds of one kind (AG304 for every dead export of a big `"use server"`
 * module), which would bury everything else `next build` prints; the manifest and
 * `action-guard audit` still list every one.
 */
export function warningLines(warnings: readonly Finding[]): string[] {
  const lines: string[] = [];
  const seen = new Map<string, { name: string; count: number }>();
  for (const warning of warnings) {
    const entry = seen.get(warning.code) ?? { name: warning.name, count: 0 };
    entry.count += 1;
    seen.set(warning.code, entry);
    if (entry.count <= WARNINGS_PER_CODE) lines.push(`⚠ action-guard: ${formatFinding(warning)}`);
  }
  for (const [code, { name, count }] of seen) {
    if (count <= WARNINGS_PER_CODE) continue;
    lines.push(
      `⚠ action-guard: ${count - WARNINGS_PER_CODE} more ${code} ${name} warnings like the ones above (${count} in all); \`action-guard audit\` lists every one, and checks['${name}'] sets their severity`,
    );
  }
  return lines;
}

/**
 * One line naming the library actions config `manifest.libraryActions` accepts unguarded (docs/adopting.md,
 * "Libraries that ship Server Actions"): accepted, so not AG301 errors, but never invisible.
 */
export function libraryActionLines(config: ResolvedConfig, manifest: Pick<ActionManifest, 'actions'>): string[] {
  const byLibrary = new Map<string, string[]>();
  for (const action of manifest.actions) {
    if (!isAcceptedLibraryAction(action, config.manifest.libraryActions)) continue;
    const library = libraryOfFile(action.file)!;
    byLibrary.set(library, [...(byLibrary.get(library) ?? []), action.exportName ?? action.ref]);
  }
  return [...byLibrary].map(
    ([library, names]) => `⚠ action-guard: ${names.length} Server Action${names.length === 1 ? '' : 's'} of ${library} run${names.length === 1 ? 's' : ''} unguarded, accepted by manifest.libraryActions: ${names.sort().join(', ')}`,
  );
}

/**
 * What the build says about action-guard.baseline.json: one summary line for the findings it accepted (taken from
 * the manifest, whose entries carry `baselined`), and every stale entry it can judge: one whose file is gone, or
 * whose file this build compiled without that finding. A file the build never compiled is left to
 * `action-guard audit`, which analyses every source file.
 */
export function baselineLines(config: ResolvedConfig, manifest: Pick<ActionManifest, 'actions'>): string[] {
  const entries = config.baseline?.findings ?? [];
  if (entries.length === 0) return [];
  const matched: BaselineEntry[] = [];
  const compiled = new Set<string>();
  for (const action of manifest.actions) {
    compiled.add(action.file);
    for (const check of action.baselined ?? []) matched.push({ ref: action.ref, check: check as BaselineEntry['check'], code: '' });
  }
  const stale = staleBaselineEntries(entries, matched).filter((entry) => {
    const file = refFile(entry.ref);
    return compiled.has(file) || !existsSync(path.join(config.root, file));
  });
  const lines: string[] = [];
  const summary = baselineSummary(matched);
  if (summary) lines.push(`⚠ action-guard: ${summary}`);
  if (stale.length > 0) {
    lines.push(
      `⚠ action-guard: ${stale.length} stale baseline ${stale.length === 1 ? 'entry' : 'entries'} (the finding no longer occurs; \`action-guard baseline --prune\` removes ${stale.length === 1 ? 'it' : 'them'}, \`action-guard audit --fail-on-stale\` fails CI on them):`,
      ...stale.map((entry) => `    ${entry.ref} ${entry.code} ${entry.check}`),
    );
  }
  return lines;
}

/**
 * The post-build step (docs/reference.md §4): writes `.next/action-guard/manifest.json` (and the signed envelope when a key is
 * set) through @action-guard/manifest, prints warnings, and fails the build listing every error finding.
 */
export async function writeManifestAfterCompile(
  metadata: AfterCompileMetadata,
  config: ResolvedConfig,
  nextVersion: string,
): Promise<void> {
  // `next build` sets TURBOPACK for Turbopack builds (next/dist/lib/bundler.js parseBundlerArgs); webpack otherwise.
  const bundler = process.env.TURBOPACK ? 'turbopack' : 'webpack';
  const { manifestPath, manifest, findings } = await writeActionManifest({
    projectDir: metadata.projectDir,
    distDir: metadata.distDir,
    bundler,
    nextVersion,
    config,
  });
  const graded = gradeFindings(await explainUnrecorded(findings, metadata.projectDir, config), config.checks);
  for (const line of warningLines(graded.filter((finding) => finding.severity === 'warning'))) console.warn(line);
  for (const line of baselineLines(config, manifest)) console.warn(line);
  for (const line of libraryActionLines(config, manifest)) console.warn(line);
  const errors = graded.filter((finding) => finding.severity === 'error');
  if (errors.length > 0) {
    const list = errors.map(formatFinding).join('\n\n');
    throw new Error(`action-guard: the action manifest check failed with ${errors.length} error(s):\n\n${list}`);
  }
  console.log(`✓ action-guard: wrote ${manifestPath}`);
}

/**
 * For an action Next registered that has no record, finds the real cause by running the transform on the file as it
 * is on disk now (the post-build step only runs under withActionGuard(), so "not configured" is never it): either
 * the transform does not see this action at all (a form of export or directive it does not recognise), or it does
 * and the loader never ran on this file in this build (the bundler rule did not reach it). Other findings pass
 * through unchanged.
 */
export async function explainUnrecorded(findings: readonly Finding[], projectDir: string, config: ResolvedConfig): Promise<Finding[]> {
  return Promise.all(
    findings.map(async (finding) => {
      if (finding.name !== 'unguarded-action' || finding.file === null || finding.ref === null || !finding.message.includes('never saw it')) return finding;
      if (!isInsideLoaderReach(finding.file)) return finding;
      const filename = path.join(projectDir, finding.file);
      let code: string;
      try {
        code = await readFile(filename, 'utf8');
      } catch {
        return finding;
      }
      const name = finding.ref.slice(finding.ref.indexOf('#') + 1);
      const inline = /^\$\$RSC_SERVER_ACTION_(\d+)$/.exec(name);
      const cache = /^\$\$RSC_SERVER_CACHE_(\d+)$/.exec(name);
      // Loaded here, not at the top: next.config loads this module in every Next process, and the transform (Babel's
      // parser) is only needed when a registered action has no record (test/plugin-weight.test.ts).
      const { transform } = await import('@action-guard/transform');
      const found = transform(code, { ...toTransformOptions(config, filename), sourceMaps: false }).actions.some((action) =>
        inline
          ? action.kind === 'inline' && action.inlineIndex === Number(inline[1])
          : cache
            ? action.kind === 'cache' && action.inlineIndex === Number(cache[1])
            : action.exportName === name,
      );
      return found
        ? {
            ...finding,
            message: `${finding.message.replace(/, but .*$/, '')}, but the action-guard loader did not run on ${finding.file} in this build (the transform does find it now), so it runs with no policy`,
            fix: "make sure action-guard's bundler rule reaches this file (it skips node_modules and files outside the project); then rebuild",
          }
        : {
            ...finding,
            message: `${finding.message.replace(/, but .*$/, '')}, but the action-guard transform does not recognise it as a Server Action in ${finding.file}, so it runs with no policy`,
            fix: 'declare it as `export async function name(…) {…}` in a "use server" file (one declaration, never reassigned), and report the form Next accepted to action-guard',
          };
    }),
  );
}
