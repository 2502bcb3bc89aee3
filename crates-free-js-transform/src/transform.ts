import { recoverSourceCandidates } from './analyze/recover-actions.js';
import { applyBaseline } from './baseline.js';
import { analyzeModule } from './check-module.js';
import { emitGuards } from './codegen/emit-guards.js';
import { GUARDED_MARKER, planGuards } from './codegen/plan-guards.js';
import { resolveFileOptions, resolveOptions, resolveProjectOptions, type ResolvedOptions, type TransformerOptions } from './options.js';
import type { ActionRecord, Diagnostic, TransformOptions, TransformResult } from './types.js';

function unchanged(code: string, actions: ActionRecord[] = [], diagnostics: Diagnostic[] = []): TransformResult {
  return { code, map: null, changed: false, actions, diagnostics };
}

/** The shortest `$$ag…_` prefix that occurs nowhere in the text, so injected names cannot collide. */
function choosePrefix(code: string): string {
  if (!code.includes('$$ag')) return '$$ag_';
  for (let index = 1; ; index++) if (!code.includes(`$$ag${index}_`)) return `$$ag${index}_`;
}

/**
 * Finds every Server Action in a module, reads its policy, and wraps it so each call goes through the runtime
 * guard first. Pure: no Next, no bundler, no file system. Files without a `"use server"` or `"use cache"` literal come back
 * untouched without being parsed; running it on its own output changes nothing.
 */
export function transform(code: string, options: TransformOptions): TransformResult {
  return transformResolved(code, resolveOptions(options));
}

/**
 * The transform of a whole build: validates the options and compiles the directory rules and globs once, and
 * returns the function that transforms one file (the loader and `action-guard audit` call it per file). Same result
 * as {@link transform} with the same options and that file name.
 */
export function createTransformer(options: TransformerOptions = {}): (code: string, filename: string) => TransformResult {
  const project = resolveProjectOptions(options);
  return (code, filename) => transformResolved(code, resolveFileOptions(project, filename));
}

function transformResolved(code: string, resolved: ResolvedOptions): TransformResult {
  // Our own output comes back unchanged, with the records of the source it was made from. It is recognised only
  // when a source transforms to exactly this text (the injected header, every wrapper and every metadata constant
  // byte for byte), so a marker in a comment, a string or hand-written `$$ag` code never skips the transform, and
  // metadata written by hand never becomes a record: such text is transformed like any other source.
  if (code.includes(GUARDED_MARKER)) {
    for (const candidate of recoverSourceCandidates(code, resolved.filename, GUARDED_MARKER)) {
      const regenerated = transformSource(candidate, { ...resolved, sourceMaps: false });
      if (regenerated.changed && regenerated.code === code) return unchanged(code, regenerated.actions, regenerated.diagnostics);
    }
  }
  return transformSource(code, resolved);
}

/** The transform proper, for a source that is not (or no longer) our own output. */
function transformSource(code: string, resolved: ResolvedOptions): TransformResult {
  // One core with checkModule(): parse, collect and validate there; only planning and emitting happen here.
  const analysed = analyzeModule(code, resolved);
  const { actions, wrap } = analysed;
  // Before planning: a baselined action's metadata must carry what the baseline changed (src/baseline.ts).
  const { diagnostics } = applyBaseline(resolved.baseline, resolved.file, actions, analysed.diagnostics);
  if (wrap === null) return unchanged(code, actions, diagnostics);

  const edits = planGuards({
    code,
    program: wrap.program,
    guards: wrap.guards,
    localise: wrap.localise,
    runtimeImport: resolved.runtimeImport,
    prefix: choosePrefix(code),
  });
  const output = emitGuards(code, edits, { filename: resolved.filename, sourceMaps: resolved.sourceMaps });
  return { code: output.code, map: output.map, changed: true, actions, diagnostics };
}
