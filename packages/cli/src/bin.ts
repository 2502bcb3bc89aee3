#!/usr/bin/env node
// The `action-guard` executable: the only place that touches process.argv, stdout and the exit code.
import { runCli } from './cli.js';

runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`action-guard: ${String(error)}\n`);
    process.exitCode = 2;
  },
);
