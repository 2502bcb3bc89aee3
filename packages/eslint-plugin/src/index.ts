/**
 * @action-guard/eslint-plugin: the build's policy checks while you type. Each rule runs the transform's analysis
 * (`checkModule`, no code generation) with the project's action-guard.config, and reports the AG1xx diagnostics the
 * build would report for the file, at the same line and column, with suggestions where a fix is a choice.
 */
import { createRequire } from 'node:module';
import { DIAGNOSTICS } from '@action-guard/contracts';
import type { ESLint, Linter } from 'eslint';
import { CONFIG_ERROR_RULE, WARNING_RULE, rules } from './rules.js';

const { name, version } = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

/** Rule severities of `configs.recommended`: failing findings are errors, what the build only prints is a warning. */
const recommendedRules: Linter.RulesRecord = {
  ...Object.fromEntries(DIAGNOSTICS.map((definition) => [`action-guard/${definition.name}`, 'error'])),
  [`action-guard/${WARNING_RULE}`]: 'warn',
  [`action-guard/${CONFIG_ERROR_RULE}`]: 'error',
};

/** The plugin object ESLint 9's flat config takes under `plugins`. */
const plugin = {
  meta: { name, version },
  rules,
  configs: {} as { recommended: Linter.Config },
} satisfies ESLint.Plugin;

/**
 * Every rule at the severity the build gives its findings (checks off in action-guard.config report nothing).
 * No `files` and no parser: it applies to what the rest of the config lints, with the parser it sets
 * (eslint-config-next and typescript-eslint parse TypeScript).
 */
plugin.configs.recommended = {
  name: 'action-guard/recommended',
  plugins: { 'action-guard': plugin },
  rules: recommendedRules,
};

// The default export only, so `require('@action-guard/eslint-plugin')` is the plugin itself (tsup's cjsInterop).
export default plugin;
