import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { BUNDLERS, WORKSPACE_ROOT, buildNextApp, type BuildResult } from '../support/next-app.js';

const appDir = join(WORKSPACE_ROOT, 'test/fixtures/broken-app');

/** One diagnostic the broken app must produce: its code and name, its file, and the text on the line it points at. */
interface ExpectedDiagnostic {
  code: string;
  name: string;
  file: string;
  /** A string that occurs on exactly one line of `file`: the line the diagnostic must point at. */
  at: string;
}

const EXPECTED: ExpectedDiagnostic[] = [
  { code: 'AG101', name: 'missing-auth-decision', file: 'app/actions.ts', at: 'export async function deleteEverything' },
  { code: 'AG102', name: 'missing-schema', file: 'app/actions.ts', at: 'export async function updateProject' },
  { code: 'AG103', name: 'unknown-tag', file: 'app/actions.ts', at: '@requireAuth' },
  { code: 'AG105', name: 'schema-not-in-scope', file: 'app/actions.ts', at: '@schema ArchiveInput' },
  { code: 'AG104', name: 'malformed-tag', file: 'app/settings/actions.ts', at: '@rateLimit ten-per-minute' },
];

function lineOf(file: string, text: string): number {
  const lines = readFileSync(join(appDir, file), 'utf8').split('\n');
  const found = lines.flatMap((line, index) => (line.includes(text) ? [index + 1] : []));
  if (found.length !== 1) throw new Error(`"${text}" must occur on exactly one line of ${file}, found ${found.length}`);
  return found[0]!;
}

// Bundlers print paths absolute or relative, with or without ANSI colours; compare on plain text.
function plain(output: string): string {
  // eslint-disable-next-line no-control-regex
  return output.replace(/\u001b\[[0-9;]*m/g, '');
}

describe.each(BUNDLERS)('a broken app built with %s', (bundler) => {
  let build: BuildResult;

  beforeAll(async () => {
    build = await buildNextApp({ appDir, bundler, timeoutMs: 300_000 });
  });

  test('fails `next build`', () => {
    expect(build.timedOut).toBe(false);
    expect(build.exitCode, plain(build.output)).not.toBe(0);
  });

  test.each(EXPECTED)('reports $code $name at its line in $file', ({ code, name, file, at }) => {
    const output = plain(build.output);
    const line = lineOf(file, at);
    // formatDiagnostic's first line: `<file>:<line>:<col> error <code> <name>: <message>`.
    const header = new RegExp(`${file.replace(/[.]/g, '\\.')}:${line}:\\d+ error ${code} ${name}:`);
    expect(output).toMatch(header);
  });

  test('prints a code frame, the fix and the docs link with each diagnostic', () => {
    const output = plain(build.output);
    for (const { name } of EXPECTED) {
      expect(output).toContain(`docs: https://github.com/action-guard/action-guard/blob/main/docs/diagnostics.md#${name}`);
    }
    expect(output).toMatch(/fix: /);
    // A code frame marks the offending line with `>` and a gutter.
    expect(output).toMatch(/> +\d+ \|/);
  });

  test('suggests the tag a typo meant', () => {
    expect(plain(build.output)).toContain('@requiresAuth');
    expect(plain(build.output)).toMatch(/did you mean `?@requiresAuth`?/i);
  });
});
