import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { transform, type Diagnostic, type TransformOptions } from '@action-guard/transform';
import { baselineEntriesFor, serializeBaseline, type BaselineEntry } from '@action-guard/transform/baseline';
import { Linter } from 'eslint';
import fc from 'fast-check';
import tseslint from 'typescript-eslint';
import { describe, expect, test } from 'vitest';
import { loadFixtures } from '../../../crates-free-js-transform/test/support/fixtures.js';
import { moduleArbitrary } from '../../../crates-free-js-transform/test/support/generated-modules.js';
import plugin from '../src/index.js';
import { BASELINED_MARKER } from '../src/rules.js';
import { project } from './helpers.js';

/** Transform options a fixture may set that map onto action-guard.config keys; anything else must fail loudly here. */
const CONFIG_KEYS = ['rules', 'checks', 'actionPaths', 'secretSources'] as const;

/** One finding, as both sides report it: code, line, 1-based column, severity and the exact text ESLint shows. */
type Finding = [code: string, line: number, column: number, severity: 1 | 2, text: string];

function expectedFindings(diagnostics: readonly Diagnostic[]): Finding[] {
  return diagnostics.map((d) =>
    d.severity === 'error'
      ? [d.code, d.line, d.column, 2, `${d.code} ${d.message} — fix: ${d.fix}`]
      : [d.code, d.line, d.column, 1, `${d.code} ${d.name}: ${d.message} — fix: ${d.fix}${d.baselined === true ? BASELINED_MARKER : ''}`],
  );
}

/** Lints `code` as `file` of the project `root` with typescript-eslint's parser and the recommended config. */
function lintFindings(root: string, file: string, code: string): { findings: Finding[]; fatal: Linter.LintMessage[] } {
  const linter = new Linter({ cwd: root });
  const messages = linter.verify(
    code,
    [
      {
        files: ['**/*.{ts,tsx,mts,js,jsx,mjs}'],
        languageOptions: { parser: tseslint.parser, parserOptions: { ecmaFeatures: { jsx: true } } },
      },
      plugin.configs.recommended,
    ],
    { filename: path.join(root, file) },
  );
  const fatal = messages.filter((m) => m.fatal === true || m.ruleId === 'action-guard/config-error');
  const findings = messages
    .filter((m) => m.ruleId?.startsWith('action-guard/') && m.ruleId !== 'action-guard/config-error')
    .map((m): Finding => [/^AG\d+/.exec(m.message)![0], m.line, m.column, m.severity, m.message]);
  return { findings, fatal };
}

const byPosition = (a: Finding, b: Finding): number =>
  a[1] - b[1] || a[2] - b[2] || a[0].localeCompare(b[0]) || a[4].localeCompare(b[4]);

describe('the plugin reports what the transform reports', () => {
  const fixtures = loadFixtures();

  test('there are fixtures to compare', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(60);
  });

  /**
   * Lints the fixture in a project whose action-guard.config.json holds the fixture's options and, when given, whose
   * action-guard.baseline.json lists `baseline`, and compares with what transform() reports with the same options.
   */
  function compare(fixture: (typeof fixtures)[number], baseline: BaselineEntry[] | null): Finding[] {
    const { root: _root, filename, ...rest } = fixture.options;
    expect(Object.keys(rest).filter((key) => !(CONFIG_KEYS as readonly string[]).includes(key))).toEqual([]);
    // The fixture's options become the project's action-guard.config.json, read by the plugin as by the build.
    const root = project({
      'action-guard.config.json': JSON.stringify(rest),
      ...(baseline === null ? {} : { 'action-guard.baseline.json': serializeBaseline(baseline) }),
    });
    const options: TransformOptions = { ...rest, filename, root, ...(baseline === null ? {} : { baseline }) };
    const expected = expectedFindings(transform(fixture.code, options).diagnostics).sort(byPosition);
    const { findings, fatal } = lintFindings(root, filename, fixture.code);
    if (fatal.some((m) => m.fatal)) {
      // ESLint's parser rejects the file before any rule runs; the build reports it as unparseable, and only that.
      expect(expected.map((finding) => finding[0])).toEqual(['AG112']);
      return expected;
    }
    expect(fatal).toEqual([]);
    expect(findings.sort(byPosition)).toEqual(expected);
    return expected;
  }

  for (const fixture of fixtures) {
    test(`fixture ${fixture.name}`, () => {
      compare(fixture, null);
    });
  }

  test('every fixture again, with a baseline listing every other finding the build fails on', () => {
    let baselined = 0;
    let failing = 0;
    for (const fixture of fixtures) {
      const plain = transform(fixture.code, { ...fixture.options, root: '/project' });
      const baseline = baselineEntriesFor(plain.diagnostics, plain.actions).filter((_, index) => index % 2 === 0);
      if (baseline.length === 0) continue;
      const expected = compare(fixture, baseline);
      baselined += expected.filter((finding) => finding[4].endsWith(BASELINED_MARKER)).length;
      failing += expected.filter((finding) => finding[3] === 2).length;
    }
    // Both kinds occur, so the comparison covers a baselined warning and an error the baseline does not list.
    expect(baselined).toBeGreaterThan(20);
    expect(failing).toBeGreaterThan(20);
  });

  test('every fixture that the build fails on is linted with at least one error', () => {
    const failing = fixtures.filter((fixture) => fixture.name.startsWith('error.') && fixture.name !== 'error.unparseable-module');
    for (const fixture of failing) {
      const { root: _root, filename, ...rest } = fixture.options;
      const root = project({ 'action-guard.config.json': JSON.stringify(rest) });
      expect(lintFindings(root, filename, fixture.code).findings.some((finding) => finding[3] === 2), fixture.name).toBe(true);
    }
  });

  test('generated "use server" modules, file by file', () => {
    const root = project();
    writeFileSync(path.join(root, 'action-guard.config.json'), '{}');
    const file = 'app/generated/actions.ts';
    const samples = fc.sample(moduleArbitrary, { numRuns: 150, seed: 20261122 });
    let compared = 0;
    for (const code of samples) {
      const expected = expectedFindings(transform(code, { filename: file, root }).diagnostics).sort(byPosition);
      const { findings, fatal } = lintFindings(root, file, code);
      expect(fatal, code).toEqual([]);
      expect(findings.sort(byPosition), code).toEqual(expected);
      if (expected.length > 0) compared++;
    }
    // The corpus is made of typos and missing decisions: most modules have findings to compare.
    expect(compared).toBeGreaterThan(100);
  });
});
