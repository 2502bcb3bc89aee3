#!/usr/bin/env node
// The long run of the differential test against Next's own compiler (the test suite runs a fixed-seed sample:
// crates-free-js-transform/test/differential/). Generates modules, compiles each with Next's SWC on every layer for
// webpack's and Turbopack's options with cacheComponents off and on, checks that every registration is guarded or
// rejected, keeps its ID and runs the guard first, prints counts and writes every failing module (plus one shrunk,
// minimal module per failure category) to a directory.
//   pnpm differential -- --modules 10000 --seed 7 [--out .tmp/differential] [--src]
// Needs `pnpm install` and `pnpm build` (it tests the transform's dist; --src tests its sources instead).
import fs from 'node:fs';
import { createRequire, register } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

process.env.NEXT_TELEMETRY_DISABLED = '1';
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const transformDir = path.join(root, 'crates-free-js-transform');

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : process.argv[at + 1];
}
const modules = Number(option('modules', '1000'));
const seed = Number(option('seed', '1'));
const out = path.resolve(option('out', path.join(root, '.tmp', 'differential')));
const useSources = process.argv.includes('--src');
if (!Number.isInteger(modules) || modules < 1 || !Number.isInteger(seed)) {
  console.error('usage: node scripts/differential.mjs [--modules N] [--seed S] [--out DIR] [--src]');
  process.exit(2);
}

// The harness is the test suite's TypeScript; these hooks let Node import it (types stripped, nothing checked).
register(pathToFileURL(path.join(root, 'scripts/differential/typescript-hooks.mjs')).href);
const require = createRequire(path.join(transformDir, 'package.json'));
const fc = (await import(pathToFileURL(require.resolve('fast-check')).href)).default;
const harness = (file) => import(pathToFileURL(path.join(transformDir, 'test/differential', file)).href);
const { moduleSpecArbitrary, renderModule } = await harness('module-arbitrary.ts');
const { checkModule, CONFIGS } = await harness('differential-check.ts');
const entry = useSources ? path.join(transformDir, 'src/index.ts') : path.join(transformDir, 'dist/index.js');
if (!fs.existsSync(entry)) {
  console.error(`${path.relative(root, entry)} is missing: run \`pnpm build\` first (or pass --src).`);
  process.exit(2);
}
const { transform } = await import(pathToFileURL(entry).href);

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });

const totals = { registered: 0, guarded: 0, rejected: 0, called: 0 };
const failuresByCategory = new Map(); // category -> { failures, modules, origins: Map<origin, count>, firstSpec }
const falseRejections = new Map();
let failingModules = 0;
const started = performance.now();
const specs = fc.sample(moduleSpecArbitrary, { seed, numRuns: modules });
for (const [index, spec] of specs.entries()) {
  const module = renderModule(spec);
  const report = await checkModule(module, transform);
  for (const key of Object.keys(totals)) totals[key] += report[key];
  for (const code of report.falseRejection ?? []) falseRejections.set(code, (falseRejections.get(code) ?? 0) + 1);
  if (report.failures.length > 0) {
    failingModules++;
    const base = path.join(out, `module-${String(index).padStart(5, '0')}`);
    fs.writeFileSync(`${base}${path.extname(module.filename)}`, module.code);
    fs.writeFileSync(`${base}.failures.txt`, `${module.filename}\n${report.failures.map(describe).join('\n')}\n`);
    for (const category of new Set(report.failures.map((failure) => failure.category))) {
      const entry = failuresByCategory.get(category) ?? { failures: 0, modules: 0, origins: new Map(), firstSpec: spec };
      entry.modules++;
      for (const failure of report.failures.filter((candidate) => candidate.category === category)) {
        entry.failures++;
        const origin = failure.origin.split(' | ')[0];
        entry.origins.set(origin, (entry.origins.get(origin) ?? 0) + 1);
      }
      failuresByCategory.set(category, entry);
    }
  }
  if ((index + 1) % 500 === 0) console.log(`… ${index + 1} modules, ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
const seconds = (performance.now() - started) / 1000;

function describe(failure) {
  return `${failure.category} [${failure.config} ${failure.layer}] ${failure.name ?? ''}: ${failure.detail} (${failure.origin})`;
}

// One minimal module per category: fast-check draws modules from the same seed until one fails with the category,
// then shrinks it while the category still fails.
for (const [category, entry] of failuresByCategory) {
  const property = fc.asyncProperty(moduleSpecArbitrary, async (spec) => {
    const report = await checkModule(renderModule(spec), transform);
    return !report.failures.some((failure) => failure.category === category);
  });
  const details = await fc.check(property, { seed, numRuns: modules });
  const minimal = details.failed && details.counterexample ? details.counterexample[0] : entry.firstSpec;
  const module = renderModule(minimal);
  const report = await checkModule(module, transform);
  const lines = report.failures.filter((failure) => failure.category === category).map(describe);
  fs.writeFileSync(path.join(out, `minimal.${category}${path.extname(module.filename)}`), `${module.code}\n/*\n${module.filename}\n${lines.join('\n')}\n*/\n`);
}

console.log(`\ndifferential run: seed ${seed}, ${modules} modules × ${CONFIGS.length} Next configs (${CONFIGS.map((c) => c.name).join(', ')}), transform from ${useSources ? 'src' : 'dist'}, ${seconds.toFixed(1)} s (${((seconds * 1000) / modules).toFixed(1)} ms/module)`);
console.log(`registrations by Next (original modules, all configs and layers): ${totals.registered}`);
console.log(`  guarded: ${totals.guarded}`);
console.log(`  in modules the transform rejects: ${totals.rejected}`);
console.log(`references and exports called in our compiled output: ${totals.called} (each allowing and refusing)`);
console.log(`modules with failures: ${failingModules}`);
for (const [category, entry] of [...failuresByCategory].sort((a, b) => b[1].modules - a[1].modules)) {
  console.log(`  ${category}: ${entry.failures} failures in ${entry.modules} modules`);
  for (const [origin, count] of [...entry.origins].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`      ${count}× ${origin}`);
}
if (falseRejections.size > 0) {
  console.log('modules the transform rejects although Next compiles them on every config (not failures; the generator writes some broken policies on purpose):');
  for (const [code, count] of [...falseRejections].sort((a, b) => b[1] - a[1])) console.log(`  ${code}: ${count} modules`);
}
console.log(failingModules > 0 ? `failing modules and one minimal module per category: ${path.relative(root, out) || out}` : 'no failures');
process.exit(failingModules > 0 ? 1 : 0);
