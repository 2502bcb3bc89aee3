// Module hooks (node:module register) that let a plain Node script import the transform's TypeScript test harness:
// a `.js` specifier that names a `.ts` sibling resolves to it (the NodeNext import style of the sources), and `.ts`
// files are transpiled with the repository's own TypeScript (types stripped, nothing checked).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ts = createRequire(new URL('../../crates-free-js-transform/package.json', import.meta.url))('typescript');

export async function resolve(specifier, context, nextResolve) {
  if (context.parentURL?.endsWith('.ts') && /^\.\.?\//.test(specifier) && specifier.endsWith('.js')) {
    const candidate = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (!fs.existsSync(fileURLToPath(new URL(specifier, context.parentURL))) && fs.existsSync(fileURLToPath(candidate))) {
      return { url: candidate.href, shortCircuit: true };
    }
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const source = fs.readFileSync(fileURLToPath(url), 'utf8');
  const output = ts.transpileModule(source, {
    fileName: fileURLToPath(url),
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true, sourceMap: false },
  });
  return { format: 'module', source: output.outputText, shortCircuit: true };
}
