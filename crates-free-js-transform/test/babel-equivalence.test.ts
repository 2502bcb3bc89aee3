import { transformSync, type ParserOptions } from '@babel/core';
import { generate as print } from '@babel/generator';
import { describe, expect, test } from 'vitest';
import { parseModule } from '../src/analyze/parse-module.js';
import actionGuardBabelPlugin from '../src/babel.js';
import { formatDiagnostic } from '../src/index.js';
import { FIXTURE_ROOT, loadFixtures, transformFixture } from './support/fixtures.js';

/** What a project's Babel config would enable for this file (legacy decorators where the code needs them). */
function parserPlugins(filename: string, code: string): ParserOptions['plugins'] {
  const typescript = /\.[cm]?tsx?$/.test(filename);
  const jsx = !typescript || filename.endsWith('x');
  const decorators = /\(\s*@\w+/.test(code) ? 'decorators-legacy' : 'decorators';
  return [...(typescript ? (['typescript'] as const) : []), ...(jsx ? (['jsx'] as const) : []), decorators, 'decoratorAutoAccessors', 'explicitResourceManagement'];
}

describe('the Babel plugin and transform() are one core behind two doors', () => {
  for (const fixture of loadFixtures()) {
    // Babel itself refuses to parse this one before any plugin runs, so there is nothing to compare.
    if (fixture.name === 'error.unparseable-module') continue;
    test(`${fixture.name}: same printed output`, () => {
      const core = transformFixture(fixture);
      const { filename, ...pluginOptions } = fixture.options;
      const run = () =>
        transformSync(fixture.code, {
          filename: `${FIXTURE_ROOT}/${filename}`,
          configFile: false,
          babelrc: false,
          comments: true,
          parserOpts: { plugins: parserPlugins(filename, fixture.code) },
          plugins: [[actionGuardBabelPlugin, pluginOptions]],
        });
      const errors = core.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
      if (errors.length > 0) {
        // Error diagnostics throw, all of them, printed the same way as everywhere else.
        let message = '';
        try {
          run();
        } catch (error) {
          message = (error as Error).message;
        }
        for (const diagnostic of errors) expect(message).toContain(formatDiagnostic(diagnostic));
        return;
      }
      const viaBabel = run();
      const viaCore = print(parseModule(core.code, filename)).code;
      expect(viaBabel?.code).toBe(viaCore);
      expect((viaBabel?.metadata as { actionGuard?: { actions: unknown } }).actionGuard?.actions).toEqual(core.actions);
    });
  }
});
