import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { DIAGNOSTICS } from '../src/index.js';
import { POLICY_TAGS } from '../src/validate/resolve-policy.js';
import { FIXTURES_DIR, loadFixtures, renderExpectation, transformFixture } from './support/fixtures.js';

const fixtures = loadFixtures();

describe('fixtures', () => {
  test('there are at least 60 of them', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(60);
  });

  for (const fixture of fixtures) {
    describe(fixture.name, () => {
      test('matches its .expect.md (written on first run or with UPDATE=1)', async () => {
        const expectPath = path.join(FIXTURES_DIR, `${fixture.name}.expect.md`);
        const actual = await renderExpectation(fixture);
        if (process.env.UPDATE === '1' || !fs.existsSync(expectPath)) fs.writeFileSync(expectPath, actual);
        expect(actual).toBe(fs.readFileSync(expectPath, 'utf8'));
      });

      test(fixture.expectsError ? 'reports at least one error' : 'reports no error', () => {
        const errors = transformFixture(fixture).diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
        if (fixture.expectsError) expect(errors.length).toBeGreaterThan(0);
        else expect(errors.map((error) => `${error.name}: ${error.message}`)).toEqual([]);
      });

      test('changes nothing when run on its own output, and reports what the source reported', () => {
        const first = transformFixture(fixture);
        const second = transformFixture({ ...fixture, code: first.code });
        expect(second.code).toBe(first.code);
        expect(second.changed).toBe(false);
        // Recognised by regenerating it from its source, so the records are that source's, never read back from
        // metadata in the text.
        if (first.changed) {
          expect(second.actions).toEqual(first.actions);
          // Frames quote the text each run read; everything else about a diagnostic must be the same.
          const withoutFrame = (result: typeof first) => result.diagnostics.map(({ frame: _frame, ...rest }) => rest);
          // A source's output can lose what made one of its errors (a consumed schema export), never gain one.
          if (fixture.expectsError) expect(withoutFrame(first)).toEqual(expect.arrayContaining(withoutFrame(second)));
          else expect(withoutFrame(second)).toEqual(withoutFrame(first));
        }
      });
    });
  }
});

describe('line numbers', () => {
  for (const fixture of fixtures) {
    test(`${fixture.name}: the output has as many lines as the input`, () => {
      const result = transformFixture(fixture);
      expect(result.code.split('\n').length).toBe(fixture.code.split('\n').length);
    });
  }
});

describe('coverage of the fixture suite', () => {
  const diagnostics = fixtures.flatMap((fixture) => transformFixture(fixture).diagnostics);

  test('every diagnostic in the registry is reported by at least one fixture', () => {
    const reported = new Set(diagnostics.map((diagnostic) => diagnostic.name));
    expect(DIAGNOSTICS.map((definition) => definition.name).filter((name) => !reported.has(name))).toEqual([]);
  });

  test('every policy tag is used by at least one fixture without errors', () => {
    const clean = fixtures.filter((fixture) => !fixture.expectsError).map((fixture) => fixture.code).join('\n');
    for (const tag of POLICY_TAGS) expect(clean, `@${tag}`).toMatch(new RegExp(`@${tag}\\b`));
  });
});
