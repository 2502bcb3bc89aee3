#!/usr/bin/env node
// The whole test suite, as README.md and .ci/run call it: build every package, type-check them, then run every
// vitest project (unit, fixture, type and end-to-end tests) in one run, and print the totals as one line
// `N passed, M failed` that CI reads. A run that executes no test fails.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tmp = join(root, '.tmp');
const resultsFile = join(tmp, 'vitest-results.json');
const summaryFile = join(tmp, 'test-summary.txt');
mkdirSync(tmp, { recursive: true });
rmSync(resultsFile, { force: true });
rmSync(summaryFile, { force: true });
process.env.NEXT_TELEMETRY_DISABLED = '1';

/** Runs a step with inherited output; returns its exit status. */
function run(label, command, args) {
  console.log(`\n── ${label}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  return result.status ?? 1;
}

function finish(passed, failed, skipped, exitCode) {
  const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
  writeFileSync(summaryFile, `${line}\n`);
  console.log(`\n${line}`);
  process.exit(exitCode);
}

const pnpm = ['-y', 'pnpm@10'];
if (run('build', 'npx', [...pnpm, 'build']) !== 0) {
  console.error('The build failed; no test ran.');
  finish(0, 1, 0, 1);
}
const typecheckStatus = run('typecheck', 'npx', [...pnpm, 'typecheck']);

const extra = process.argv.slice(2);
const vitestStatus = run('vitest', join(root, 'node_modules/.bin/vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${resultsFile}`,
  ...extra,
]);

let results;
try {
  results = JSON.parse(readFileSync(resultsFile, 'utf8'));
} catch {
  console.error(`vitest wrote no results to ${resultsFile} (exit ${vitestStatus}).`);
  finish(0, 1, 0, 1);
}
const passed = results.numPassedTests ?? 0;
// Suites that fail to load contribute no failed test but are failures all the same.
const failedSuites = (results.testResults ?? []).filter(
  (suite) => suite.status === 'failed' && (suite.assertionResults ?? []).every((t) => t.status !== 'failed'),
).length;
const typecheckFailures = typecheckStatus === 0 ? 0 : 1;
const failed = (results.numFailedTests ?? 0) + failedSuites + typecheckFailures;
const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
if (typecheckFailures) console.error('The type-check failed (counted as one failure).');
if (passed + failed === 0) {
  console.error('No test was executed: that is a failure.');
  finish(0, 1, skipped, 1);
}
finish(passed, failed, skipped, failed > 0 || vitestStatus !== 0 ? 1 : 0);
