import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';

const EXAMPLE = fileURLToPath(new URL('../../../examples/invoices/', import.meta.url));
const ESLINT_BIN = path.join(EXAMPLE, 'node_modules/eslint/bin/eslint.js');

interface EslintResult {
  filePath: string;
  messages: { ruleId: string | null; line: number; column: number; severity: number; message: string }[];
}

/** Runs the example's own `eslint` binary in `cwd` with its eslint.config.mjs; JSON results and the exit code. */
function eslint(cwd: string, args: string[]): Promise<{ code: number; results: EslintResult[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [ESLINT_BIN, '--format', 'json', ...args],
      { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        try {
          resolve({ code, results: JSON.parse(stdout) as EslintResult[], stderr });
        } catch {
          reject(new Error(`eslint exited ${code} without JSON output:\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}

const problems = (results: EslintResult[], root: string) =>
  results.flatMap((result) =>
    result.messages.map((m) => ({ file: path.relative(root, result.filePath), ruleId: m.ruleId, line: m.line, column: m.column, severity: m.severity })),
  );

const copies: string[] = [];
afterAll(() => {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the eslint binary on examples/invoices, with eslint-config-next in the same config', () => {
  test('the app is clean, and both configs are active', async () => {
    const printed = JSON.parse(
      await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, [ESLINT_BIN, '--print-config', 'app/invoices/actions.ts'], { cwd: EXAMPLE }, (error, stdout) =>
          error === null ? resolve(stdout) : reject(error)),
      ),
    ) as { rules: Record<string, unknown> };
    expect(printed.rules['action-guard/missing-auth-decision']).toEqual([2]);
    expect(printed.rules['@next/next/no-html-link-for-pages']).toBeDefined();

    const { code, results, stderr } = await eslint(EXAMPLE, ['.']);
    expect(problems(results, EXAMPLE)).toEqual([]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    // It linted the action files (a config that matched nothing would also be "clean").
    expect(results.map((result) => path.relative(EXAMPLE, result.filePath))).toContain('app/invoices/actions.ts');
  });

  test('a copy with one tag removed and one misspelt reports exactly those two findings', async () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'ag-eslint-invoices-'));
    copies.push(copy);
    const skip = new Set(['node_modules', '.next', 'data', 'test']);
    cpSync(EXAMPLE, copy, { recursive: true, filter: (source) => !skip.has(path.relative(EXAMPLE, source).split(path.sep)[0]!) });
    // The copy resolves eslint-config-next, the plugin and the app's own dependencies through the example's install.
    symlinkSync(path.join(EXAMPLE, 'node_modules'), path.join(copy, 'node_modules'), 'dir');

    const actionsFile = path.join(copy, 'app/invoices/actions.ts');
    const original = readFileSync(actionsFile, 'utf8');
    const lines = original.split('\n');
    const createInvoice = lines.findIndex((line) => line.startsWith('export async function createInvoice('));
    const requiresAuth = lines.slice(0, createInvoice).findLastIndex((line) => line === ' * @requiresAuth');
    expect(requiresAuth).toBeGreaterThan(createInvoice - 6);
    lines.splice(requiresAuth, 1); // createInvoice loses its only auth decision
    const dedupe = lines.findIndex((line) => line.startsWith(' * @dedupe '));
    lines[dedupe] = lines[dedupe]!.replace('@dedupe', '@dedup'); // recordPayment's idempotency tag is misspelt
    writeFileSync(actionsFile, lines.join('\n'));

    const { code, results } = await eslint(copy, ['.']);
    expect(problems(results, copy)).toEqual([
      { file: 'app/invoices/actions.ts', ruleId: 'action-guard/missing-auth-decision', line: createInvoice, column: 8, severity: 2 },
      { file: 'app/invoices/actions.ts', ruleId: 'action-guard/unknown-tag', line: dedupe + 1, column: 4, severity: 2 },
    ]);
    expect(code).toBe(1);
    const messages = results.flatMap((result) => result.messages.map((m) => m.message));
    expect(messages).toEqual([
      expect.stringMatching(/^AG101 action "createInvoice" has no auth decision — fix: /),
      'AG103 unknown tag @dedup on action "recordPayment"; did you mean `@dedupe`? — fix: rename it to `@dedupe`',
    ]);
  });
});
