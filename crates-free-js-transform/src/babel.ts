/**
 * Babel 7 plugin entry (`@action-guard/transform/babel`): the same core as `transform`, for tools that run Babel.
 * The `Program` visitor hands the file's original text to the core and swaps in the parsed result, so both doors
 * produce the same code. Error diagnostics throw (all of them, printed); warnings go to `file.metadata`.
 */
import type { PluginObj, PluginPass } from '@babel/core';
import { parseModule } from './analyze/parse-module.js';
import { formatDiagnostic } from './diagnostics/format-diagnostic.js';
import { transform } from './transform.js';
import type { ActionRecord, Diagnostic, TransformOptions } from './types.js';

/** Plugin options: the transform's options without `filename` (Babel knows the file). */
export type ActionGuardBabelOptions = Omit<TransformOptions, 'filename'>;

/** What the plugin leaves on `file.metadata.actionGuard`. */
export interface ActionGuardBabelMetadata {
  /** Every action found. */
  actions: ActionRecord[];
  /** Every diagnostic (errors also throw). */
  diagnostics: Diagnostic[];
}

/** The Babel plugin: `plugins: [['@action-guard/transform/babel', { root, runtimeImport, … }]]`. */
export default function actionGuardBabelPlugin(): PluginObj<PluginPass & { opts: ActionGuardBabelOptions }> {
  return {
    name: 'action-guard',
    // Next accepts `import … assert { type: 'json' }` as well as `with`; so must the host's parse of the file.
    manipulateOptions(_options, parserOptions: { plugins: unknown[] }) {
      parserOptions.plugins.push('deprecatedImportAssert');
    },
    visitor: {
      Program(path, state) {
        const filename = state.filename ?? state.file.opts.filename;
        if (!filename) throw new Error('@action-guard/transform/babel: Babel gave no filename; pass `filename` to Babel');
        const result = transform(state.file.code, { ...state.opts, filename });
        (state.file.metadata as unknown as { actionGuard: ActionGuardBabelMetadata }).actionGuard = {
          actions: result.actions,
          diagnostics: result.diagnostics,
        };
        const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
        if (errors.length > 0) throw new Error(`action-guard found ${errors.length} error(s):\n\n${errors.map(formatDiagnostic).join('\n\n')}`);
        if (!result.changed) return;
        const program = parseModule(result.code, filename).program;
        path.replaceWith(program);
        path.skip();
      },
    },
  };
}
