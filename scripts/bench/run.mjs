#!/usr/bin/env node
// Runs the benchmarks one after another (never in parallel: each measures ratios against a baseline taken in the
// same run, and a second benchmark on the same cores would skew both). Benchmarks are not tests.
//   node scripts/bench/run.mjs                 transform, runtime, stores, manifest, eslint
//   node scripts/bench/run.mjs build           also the next build / requests-per-second benchmark (minutes)
//   node scripts/bench/run.mjs transform ...   only the named ones
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const all = ['transform', 'runtime', 'stores', 'manifest', 'eslint', 'build'];
const named = process.argv.slice(2).filter((a) => all.includes(a));
const chosen = named.length > 0 ? (named.length === 1 && named[0] === 'build' ? ['transform', 'runtime', 'stores', 'manifest', 'eslint', 'build'] : named) : ['transform', 'runtime', 'stores', 'manifest', 'eslint'];
let failed = 0;
for (const name of chosen) {
  console.log(`\n══ bench: ${name}`);
  const result = spawnSync(process.execPath, [join(here, `${name}.mjs`)], { stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
