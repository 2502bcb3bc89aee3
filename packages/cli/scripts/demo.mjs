#!/usr/bin/env node
// The full demo (README "main job"): build the packages, print the audit table of the example app, build it with
// the plugin, then show and verify the signed action manifest the build wrote. When ACTION_GUARD_SIGNING_KEY or
// NEXT_SERVER_ACTIONS_ENCRYPTION_KEY is not set, a throwaway one is generated for this run (and said so).
//
//   node packages/cli/scripts/demo.mjs [--app examples/invoices] [--webpack] [--skip-package-build]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const WORKSPACE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const { values } = parseArgs({
  options: {
    app: { type: 'string', default: 'examples/invoices' },
    webpack: { type: 'boolean', default: false },
    'skip-package-build': { type: 'boolean', default: false },
  },
});
const APP = path.resolve(WORKSPACE, values.app);
const CLI = path.join(WORKSPACE, 'packages/cli/dist/bin.js');
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };

function step(title) {
  console.log(`\n━━ ${title}`);
}

/** Runs a command with inherited output; stops the demo with its exit code when it fails. */
function run(command, args, options = {}) {
  console.log(`$ ${[command === process.execPath ? 'node' : command, ...args].map((a) => path.relative(WORKSPACE, a) && a.startsWith(WORKSPACE) ? path.relative(WORKSPACE, a) : a).join(' ')}`);
  const result = spawnSync(command, args, { cwd: WORKSPACE, stdio: 'inherit', env, ...options });
  if (result.status !== 0) {
    console.error(`\ndemo stopped: the step above exited with ${result.status ?? result.signal}`);
    process.exit(result.status || 1);
  }
}

function cli(args, options) {
  run(process.execPath, [CLI, ...args], options);
}

const scratch = mkdtempSync(path.join(tmpdir(), 'action-guard-demo-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

if (!values['skip-package-build']) {
  step('Build the action-guard packages');
  run('npx', ['-y', 'pnpm@10', 'build']);
}

step(`Audit ${path.relative(WORKSPACE, APP)} without building (same transform and config as the build)`);
cli(['audit', '--cwd', APP]);

let publicKey = process.env.ACTION_GUARD_PUBLIC_KEY_FILE;
if (!env.ACTION_GUARD_SIGNING_KEY) {
  step('No ACTION_GUARD_SIGNING_KEY set: generate a throwaway Ed25519 key pair for this demo');
  cli(['signing-key', 'generate', '--out', scratch]);
  env.ACTION_GUARD_SIGNING_KEY = readFileSync(path.join(scratch, 'manifest-signing.key.pem')).toString('base64');
  publicKey = path.join(scratch, 'manifest-signing.pub.pem');
} else if (!publicKey) {
  console.error('ACTION_GUARD_SIGNING_KEY is set: also set ACTION_GUARD_PUBLIC_KEY_FILE to its public key so the demo can verify');
  process.exit(2);
}
if (!env.NEXT_SERVER_ACTIONS_ENCRYPTION_KEY) {
  step('No NEXT_SERVER_ACTIONS_ENCRYPTION_KEY set: generate one for this build (a real deployment keeps one fixed key)');
  const generated = spawnSync(process.execPath, [CLI, 'keys', 'generate', '--format', 'json'], { encoding: 'utf8' });
  env.NEXT_SERVER_ACTIONS_ENCRYPTION_KEY = JSON.parse(generated.stdout).key;
  console.log('generated (not printed)');
}

step(`next build${values.webpack ? ' --webpack' : ''} with withActionGuard(): guards every action and writes the signed manifest`);
const nextBin = path.join(APP, 'node_modules/next/dist/bin/next');
run(process.execPath, [nextBin, 'build', ...(values.webpack ? ['--webpack'] : [])], { cwd: APP });

const manifestDir = path.join(APP, '.next/action-guard');
step('The action manifest the build wrote');
cli(['manifest', 'show', manifestDir]);

step('Verify its signature');
cli(['manifest', 'verify', manifestDir, '--public-key', publicKey]);

step('Check that the encryption key is the one the build used');
cli(['keys', 'check', '--manifest', manifestDir]);

console.log('\n✓ demo complete');
