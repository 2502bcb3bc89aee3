import { createRequire } from 'node:module';
import path from 'node:path';
import { Script } from 'node:vm';
import type { JitiOptions } from 'jiti';

type JitiTransform = NonNullable<JitiOptions['transform']>;
type TransformInput = Parameters<JitiTransform>[0];

const require = createRequire(import.meta.url);

let babelTransform: JitiTransform | undefined;

// jiti's own transform: Babel, bundled in jiti. Not part of jiti's exports map, so it is found next to jiti's
// package.json; jiti itself loads the same file for its default.
function jitiBabelTransform(input: TransformInput) {
  babelTransform ??= require(path.join(path.dirname(require.resolve('jiti/package.json')), 'dist/babel.cjs')) as JitiTransform;
  return babelTransform(input);
}

// Parses (without running) the code the way jiti will run it: as the body of a CommonJS function.
function isValidCommonJs(code: string): boolean {
  try {
    new Script(`(function (exports, require, module, __filename, __dirname) {${code}\n})`);
    return true;
  } catch {
    return false;
  }
}

/**
 * The transform jiti runs on a config file and whatever it imports. jiti's default, Babel, adds tens of megabytes to
 * every process that loads the config — `next build`'s main process and its webpack worker, where the peak memory
 * of a build is decided (docs/measurements.md#config-transform-memory). Sucrase strips types and turns ES modules
 * into CommonJS for a fraction of that. What it leaves
 * as written (`import.meta`, top-level `await`) is not valid CommonJS, and JSX is not enabled: those files go to
 * Babel, so every config jiti could load still loads.
 */
export const configTransform: JitiTransform = (input) => {
  if (input.jsx) return jitiBabelTransform(input);
  try {
    const { transform } = require('sucrase') as typeof import('sucrase');
    const isTypeScript = input.ts ?? /\.[cm]?tsx?$/.test(input.filename ?? '');
    const { code } = transform(input.source, {
      transforms: isTypeScript ? ['typescript', 'imports'] : ['imports'],
      filePath: input.filename,
    });
    if (isValidCommonJs(code)) return { code };
  } catch {
    // Syntax Sucrase does not know: Babel reports it properly (with file and position) or handles it.
  }
  return jitiBabelTransform(input);
};
