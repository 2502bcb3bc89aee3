import type { ResolvedConfig } from '@action-guard/config';
import { formatFinding, writeActionManifest, type Finding } from '@action-guard/manifest';

/** What Next passes to `compiler.runAfterProductionCompile` (next/dist/build/after-production-compile.js). */
export interface AfterCompileMetadata {
  /** Absolute project directory. */
  projectDir: string;
  /** Absolute output directory (`.next` by default). */
  distDir: string;
}

/**
 * Applies the user's `checks` to the manifest step's findings: the build checks share their names with the
 * findings, so `checks['unreferenced-action']: 'off'` drops those and `'error'` makes them fail the build.
 * Findings without a configurable check keep the severity the manifest package gave them.
 */
export function gradeFindings(findings: readonly Finding[], checks: ResolvedConfig['checks']): Finding[] {
  const graded: Finding[] = [];
  for (const finding of findings) {
    const severity = checks[finding.name];
    if (severity === 'off') continue;
    graded.push(severity ? { ...finding, severity: severity === 'error' ? 'error' : 'warning' } : finding);
  }
  return graded;
}

/**
 * The post-build step (SPEC §4): writes `.next/action-guard/manifest.json` (and the signed envelope when a key is
 * set) through @action-guard/manifest, prints warnings, and fails the build listing every error finding.
 */
export async function writeManifestAfterCompile(
  metadata: AfterCompileMetadata,
  config: ResolvedConfig,
  nextVersion: string,
): Promise<void> {
  // `next build` sets TURBOPACK for Turbopack builds (next/dist/lib/bundler.js parseBundlerArgs); webpack otherwise.
  const bundler = process.env.TURBOPACK ? 'turbopack' : 'webpack';
  const { manifestPath, findings } = await writeActionManifest({
    projectDir: metadata.projectDir,
    distDir: metadata.distDir,
    bundler,
    nextVersion,
    config,
  });
  const graded = gradeFindings(findings, config.checks);
  for (const warning of graded.filter((finding) => finding.severity === 'warning')) {
    console.warn(`⚠ action-guard: ${formatFinding(warning)}`);
  }
  const errors = graded.filter((finding) => finding.severity === 'error');
  if (errors.length > 0) {
    const list = errors.map(formatFinding).join('\n\n');
    throw new Error(`action-guard: the action manifest check failed with ${errors.length} error(s):\n\n${list}`);
  }
  console.log(`✓ action-guard: wrote ${manifestPath}`);
}
