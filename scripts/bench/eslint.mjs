#!/usr/bin/env node
// ESLint plugin benchmark: what @action-guard/eslint-plugin adds to linting a file, on "use server" files and on
// files without the directive, measured two ways in one process:
//   1. ESLint's Linter with eslint-config-next (as examples/invoices lints), with and without the plugin's recommended
//      config, measured alternately: the difference is what a developer waits for;
//   2. the plugin's own work per file (every rule's create() on a fresh SourceCode, as ESLint calls them), which is
//      the only way to see costs far below the noise of a whole lint.
// Run: node scripts/bench/eslint.mjs   (build first: pnpm build)
// Targets (issue 17): ≤ 5 ms per "use server" file; ≤ 0.05 ms per file without the directive.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const example = fileURLToPath(new URL('../../examples/invoices/', import.meta.url));
const require = createRequire(path.join(example, 'package.json'));
const { Linter, SourceCode } = require('eslint');
const nextVitals = (await import(require.resolve('eslint-config-next/core-web-vitals'))).default;
const plugin = (await import(require.resolve('@action-guard/eslint-plugin'))).default;

function median(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** A "use server" module of about `lines` lines: realistic actions with JSDoc policies (as in transform.mjs). */
function serverModule(lines) {
  const head = ['"use server";', "import { z } from 'zod';", "import { revalidatePath } from 'next/cache';", "import { db } from '@/lib/db';", 'type State = { saved?: string; error?: string };', ''];
  const body = [];
  for (let index = 0; head.length + body.length < lines - 4; index++) {
    body.push(
      `export const update${index}Schema = z.object({ id: z.string(), title: z.string().min(1) });`,
      '',
      '/**',
      ` * Updates post ${index}.`,
      ' * @role editor admin',
      ` * @rateLimit ${10 + index}/1m`,
      ' */',
      `export async function update${index}(prevState: State, formData: FormData): Promise<State> {`,
      `  const post = await db.post.findUnique({ where: { id: String(formData.get('id')) } });`,
      `  if (!post) return { ...prevState, error: 'not found' };`,
      `  revalidatePath(\`/posts/\${post.id}\`);`,
      '  return { ...prevState, saved: post.id };',
      '}',
      '',
    );
  }
  return [...head, ...body].join('\n');
}

const read = (file) => ({ name: file, filename: path.join(example, file), code: readFileSync(path.join(example, file), 'utf8') });
const actionFiles = [
  read('app/invoices/actions.ts'),
  read('app/admin/actions.ts'),
  read('app/sign-in/actions.ts'),
  { name: 'generated, 1000 lines', filename: path.join(example, 'app/generated/actions.ts'), code: serverModule(1000) },
];
const otherFiles = [
  read('app/invoices/invoice-form.tsx'),
  read('app/invoices/status-toggle.tsx'),
  read('lib/invoices.ts'),
  { name: 'generated, 1000 lines, no directive', filename: path.join(example, 'lib/generated.ts'), code: serverModule(1000).replace('"use server";', "import 'server-only';") },
];

const base = [...nextVitals, { settings: { next: { rootDir: example } } }];
const withPlugin = [...base, plugin.configs.recommended];

/** Whole lints with and without the plugin, alternately; medians and the median of per-round differences. */
function measureLint(file, { runs, warmup }) {
  const linter = new Linter({ cwd: example });
  const lint = (config) => linter.verify(file.code, config, { filename: file.filename });
  const fatal = lint(withPlugin).filter((m) => m.fatal || m.ruleId === 'action-guard/config-error');
  if (fatal.length > 0) throw new Error(`${file.name}: ${fatal.map((m) => m.message).join('; ')}`);
  for (let index = 0; index < warmup; index++) {
    lint(base);
    lint(withPlugin);
  }
  const without = [];
  const withIt = [];
  const differences = [];
  for (let index = 0; index < runs; index++) {
    let start = performance.now();
    lint(base);
    const a = performance.now() - start;
    start = performance.now();
    lint(withPlugin);
    const b = performance.now() - start;
    without.push(a);
    withIt.push(b);
    differences.push(b - a);
  }
  return { without: median(without), with: median(withIt), added: median(differences) };
}

/** The plugin's own work for one file: every rule's create() on a fresh SourceCode, reports collected. */
function measurePluginWork(file, { runs, warmup }) {
  const linter = new Linter({ cwd: example });
  linter.verify(file.code, base, { filename: file.filename });
  const { ast, parserServices, scopeManager, visitorKeys } = linter.getSourceCode();
  const rules = Object.values(plugin.rules);
  let reports = 0;
  const once = () => {
    const sourceCode = new SourceCode({ text: file.code, ast, parserServices, scopeManager, visitorKeys });
    const context = {
      sourceCode, filename: file.filename, physicalFilename: file.filename, cwd: example, options: [], settings: {},
      report: () => reports++,
    };
    const start = performance.now();
    for (const rule of rules) {
      const listeners = rule.create(context);
      listeners.Program?.(ast);
    }
    return performance.now() - start;
  };
  for (let index = 0; index < warmup; index++) once();
  const samples = [];
  for (let index = 0; index < runs; index++) samples.push(once());
  // Findings are part of the work (a file being edited usually has some): the count per run is shown beside it.
  return { work: median(samples), findings: reports / (runs + warmup) };
}

// The first action file of a process also loads action-guard.config.ts (once per ESLint process, then cached).
const coldLinter = new Linter({ cwd: example });
let start = performance.now();
coldLinter.verify(actionFiles[0].code, withPlugin, { filename: actionFiles[0].filename });
const cold = performance.now() - start;

const rows = [];
for (const [kind, files] of [['"use server"', actionFiles], ['no directive', otherFiles]]) {
  for (const file of files) {
    const lint = measureLint(file, { runs: 20, warmup: 5 });
    const { work, findings } = measurePluginWork(file, { runs: 400, warmup: 50 });
    rows.push({ kind, name: file.name, lines: file.code.split('\n').length, ...lint, work, findings });
  }
}

console.log(`@action-guard/eslint-plugin with eslint-config-next (typescript-eslint parser), ESLint ${Linter.version}, Node ${process.version}; medians in ms`);
console.log('');
console.log('| file | kind | lines | lint without plugin | lint with plugin | added (median of differences) | plugin work per file | findings |');
console.log('|---|---|--:|--:|--:|--:|--:|--:|');
for (const row of rows) {
  console.log(`| ${row.name} | ${row.kind} | ${row.lines} | ${row.without.toFixed(2)} | ${row.with.toFixed(2)} | ${row.added.toFixed(2)} | ${row.work.toFixed(4)} | ${row.findings} |`);
}
console.log('');
console.log(`first action file of a process (loads action-guard.config.ts through jiti, then cached): ${cold.toFixed(1)} ms for the whole lint`);
const worstAction = Math.max(...rows.filter((row) => row.kind === '"use server"').map((row) => row.work));
const worstOther = Math.max(...rows.filter((row) => row.kind === 'no directive').map((row) => row.work));
console.log(`target ≤ 5 ms per "use server" file: ${worstAction <= 5 ? 'met' : 'MISSED'} (worst plugin work ${worstAction.toFixed(3)} ms)`);
console.log(`target ≤ 0.05 ms per file without the directive: ${worstOther <= 0.05 ? 'met' : 'MISSED'} (worst plugin work ${worstOther.toFixed(4)} ms)`);
