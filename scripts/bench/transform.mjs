#!/usr/bin/env node
// Transform benchmark: @action-guard/transform vs Next's own SWC server-actions transform on the same
// "use server" modules, in the same process, plus the cost of passing through a file without the directive.
// Run: node scripts/bench/transform.mjs   (build the transform first: pnpm --filter @action-guard/transform build)
// Targets (issue 2): ≤ 2× Next's SWC time per "use server" file; ≤ 0.05 ms per pass-through file.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

process.env.NEXT_TELEMETRY_DISABLED = '1';
const transformDir = fileURLToPath(new URL('../../crates-free-js-transform/', import.meta.url));
const require = createRequire(transformDir);
const { transform } = await import(new URL('../../crates-free-js-transform/dist/index.js', import.meta.url).href);
// Pinned deep imports of the installed next (16.4.6): the same calls next-swc-loader makes.
const swc = require('next/dist/build/swc');
const { getLoaderSWCOptions } = require('next/dist/build/swc/options');
await swc.loadBindings();

const FILE = '/bench/app/posts/actions.ts';

/** One realistic action: JSDoc policy, a schema, typed parameters, a body that awaits and branches. */
function action(index) {
  return [
    `export const update${index}Schema = z.object({ id: z.string(), title: z.string().min(1), tags: z.array(z.string()) });`,
    '',
    '/**',
    ` * Updates post ${index} and revalidates its page.`,
    ' * @role editor admin',
    ` * @rateLimit ${10 + index}/1m`,
    ' */',
    `export async function update${index}(prevState: State, formData: FormData): Promise<State> {`,
    `  const post = await db.post.findUnique({ where: { id: String(formData.get('id')) } });`,
    `  if (!post) return { ...prevState, error: 'not found' };`,
    `  await db.post.update({ where: { id: post.id }, data: { title: String(formData.get('title')) } });`,
    `  revalidatePath(\`/posts/\${post.id}\`);`,
    `  return { ...prevState, saved: post.id };`,
    '}',
    '',
  ];
}

/** A "use server" module of about `lines` lines. */
function serverModule(lines) {
  const head = [
    '"use server";',
    "import { z } from 'zod';",
    "import { revalidatePath } from 'next/cache';",
    "import { db } from '@/lib/db';",
    'type State = { saved?: string; error?: string };',
    '',
  ];
  const body = [];
  for (let index = 0; head.length + body.length < lines - 4; index++) body.push(...action(index));
  if (lines <= 12) {
    return [...head, '/** @requiresAuth */', 'export async function ping(): Promise<string> {', "  return 'pong';", '}', ''].join('\n');
  }
  return [...head, ...body].join('\n');
}

/** A module of the same size without the directive (a component or helper file). */
function plainModule(lines) {
  return serverModule(lines).replace('"use server";', "import 'server-only';");
}

function nextOptions() {
  return {
    ...getLoaderSWCOptions({
      filename: FILE, development: false, isServer: true, pagesDir: undefined, appDir: '/bench/app', isPageFile: false,
      hasReactRefresh: false, configDir: '/bench', relativeFilePathFromRoot: 'app/posts/actions.ts', bundleLayer: 'rsc',
      serverComponents: true, serverReferenceHashSalt: 'bench-salt', esm: true, jsConfig: {}, isCacheComponents: false,
      useCacheEnabled: false, pageExtensions: ['tsx', 'ts', 'jsx', 'js'],
    }),
    filename: FILE,
    // Both sides produce a source map, as in a real build (the loader hands ours to SWC as its input map).
    sourceMaps: true,
  };
}

function median(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Times `ours` and `theirs` alternately, `runs` times each after `warmup` unmeasured rounds, so both see the same
 * machine load (the bench often shares its cores); returns both medians and the median of per-round ratios.
 */
function measurePair(ours, theirs, { runs, warmup }) {
  for (let index = 0; index < warmup; index++) {
    ours();
    theirs();
  }
  const a = [];
  const b = [];
  const ratios = [];
  for (let index = 0; index < runs; index++) {
    let start = performance.now();
    ours();
    const first = performance.now() - start;
    start = performance.now();
    theirs();
    const second = performance.now() - start;
    a.push(first);
    b.push(second);
    ratios.push(first / second);
  }
  return { ours: median(a), theirs: median(b), ratio: median(ratios) };
}

/** Median wall time of `fn` in ms over `runs` runs after `warmup` unmeasured ones. */
function measure(fn, { runs, warmup }) {
  for (let index = 0; index < warmup; index++) fn();
  const samples = [];
  for (let index = 0; index < runs; index++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

const options = { filename: 'app/posts/actions.ts', root: '/bench', sourceMaps: true };
const swcOptions = nextOptions();
const rows = [];
for (const lines of [10, 100, 1000]) {
  const code = serverModule(lines);
  const result = transform(code, options);
  if (!result.changed || result.actions.length === 0) throw new Error(`bench module of ${lines} lines produced no actions`);
  const runs = lines >= 1000 ? 60 : 300;
  const pair = measurePair(() => transform(code, options), () => swc.transformSync(code, swcOptions), { runs, warmup: 30 });
  const passCode = plainModule(lines);
  const pass = measure(() => transform(passCode, options), { runs: 2000, warmup: 200 });
  rows.push({
    lines: code.split('\n').length,
    actions: result.actions.length,
    ours: pair.ours.toFixed(3),
    next: pair.theirs.toFixed(3),
    ratio: pair.ratio.toFixed(2),
    passThrough: pass.toFixed(4),
  });
}

console.log(`@action-guard/transform vs Next ${require('next/package.json').version} SWC (rsc layer), Node ${process.version}, medians in ms (ratio: median of per-round ratios, the two measured alternately)`);
console.log('');
console.log('| lines | actions | ours (ms) | Next SWC (ms) | ours / Next | pass-through, no directive (ms) |');
console.log('|------:|--------:|----------:|--------------:|------------:|--------------------------------:|');
for (const row of rows) {
  console.log(`| ${row.lines} | ${row.actions} | ${row.ours} | ${row.next} | ${row.ratio}× | ${row.passThrough} |`);
}
const worstRatio = Math.max(...rows.map((row) => Number(row.ratio)));
const worstPass = Math.max(...rows.map((row) => Number(row.passThrough)));
console.log('');
console.log(`target ≤ 2× Next per "use server" file: ${worstRatio <= 2 ? 'met' : 'MISSED'} (worst ${worstRatio.toFixed(2)}×)`);
console.log(`target ≤ 0.05 ms per pass-through file: ${worstPass <= 0.05 ? 'met' : 'MISSED'} (worst ${worstPass.toFixed(4)} ms)`);
