import { describe, expect, test } from 'vitest';
import { editNextConfig } from '../../src/init/edit-next-config.js';

const edited = (text: string, file = 'next.config.ts') => {
  const result = editNextConfig(text, file);
  if (result.kind !== 'edit') throw new Error(`expected an edit, got ${JSON.stringify(result)}`);
  return result.text;
};

describe('editNextConfig', () => {
  test('wraps an object config and keeps every other byte', () => {
    const input = [
      "import type { NextConfig } from 'next';",
      '',
      '// keep this comment',
      'const nextConfig: NextConfig = {',
      '  reactStrictMode: true, // and this',
      '};',
      '',
      'export default nextConfig;',
      '',
    ].join('\n');
    expect(edited(input)).toBe(
      [
        "import type { NextConfig } from 'next';",
        "import { withActionGuard } from '@action-guard/next';",
        '',
        '// keep this comment',
        'const nextConfig: NextConfig = {',
        '  reactStrictMode: true, // and this',
        '};',
        '',
        'export default withActionGuard()(nextConfig);',
        '',
      ].join('\n'),
    );
  });

  test('wraps an inline object, a function and an async function', () => {
    expect(edited('export default { output: "standalone" };\n', 'next.config.mjs')).toBe(
      "import { withActionGuard } from '@action-guard/next';\nexport default withActionGuard()({ output: \"standalone\" });\n",
    );
    expect(edited('export default (phase) => ({ distDir: phase });\n', 'next.config.mjs')).toContain(
      'export default withActionGuard()((phase) => ({ distDir: phase }));',
    );
    expect(edited('export default async function (phase) {\n  return {};\n}\n', 'next.config.mjs')).toContain(
      'export default withActionGuard()(async function (phase) {\n  return {};\n});',
    );
  });

  test('wraps a config already wrapped by other plugins as the outermost call', () => {
    const sentry = "import { withSentryConfig } from '@sentry/nextjs';\nconst nextConfig = {};\nexport default withSentryConfig(nextConfig, { silent: true });\n";
    expect(edited(sentry, 'next.config.mjs')).toBe(
      "import { withSentryConfig } from '@sentry/nextjs';\nimport { withActionGuard } from '@action-guard/next';\nconst nextConfig = {};\nexport default withActionGuard()(withSentryConfig(nextConfig, { silent: true }));\n",
    );
    const intl = "import createNextIntlPlugin from 'next-intl/plugin';\nconst withNextIntl = createNextIntlPlugin();\nexport default withNextIntl({});\n";
    expect(edited(intl)).toContain('export default withActionGuard()(withNextIntl({}));');
    expect(edited("import createNextIntlPlugin from 'next-intl/plugin';\nexport default createNextIntlPlugin()({});\n")).toContain(
      'export default withActionGuard()(createNextIntlPlugin()({}));',
    );
  });

  test('wraps module.exports with a require line, after the existing requires', () => {
    const input = "// @ts-check\nconst withBundleAnalyzer = require('@next/bundle-analyzer')({ enabled: false });\n\n/** @type {import('next').NextConfig} */\nmodule.exports = withBundleAnalyzer({});\n";
    expect(edited(input, 'next.config.js')).toBe(
      "// @ts-check\nconst withBundleAnalyzer = require('@next/bundle-analyzer')({ enabled: false });\nconst { withActionGuard } = require('@action-guard/next');\n\n/** @type {import('next').NextConfig} */\nmodule.exports = withActionGuard()(withBundleAnalyzer({}));\n",
    );
  });

  test('puts the import below a leading @ts-check and above a JSDoc type', () => {
    const input = "// @ts-check\n\n/** @type {import('next').NextConfig} */\nconst nextConfig = {};\nexport default nextConfig;\n";
    expect(edited(input, 'next.config.mjs')).toBe(
      "// @ts-check\nimport { withActionGuard } from '@action-guard/next';\n\n/** @type {import('next').NextConfig} */\nconst nextConfig = {};\nexport default withActionGuard()(nextConfig);\n",
    );
  });

  test('keeps CRLF line endings', () => {
    const input = "import type { NextConfig } from 'next';\r\nconst c: NextConfig = {};\r\nexport default c;\r\n";
    expect(edited(input)).toBe("import type { NextConfig } from 'next';\r\nimport { withActionGuard } from '@action-guard/next';\r\nconst c: NextConfig = {};\r\nexport default withActionGuard()(c);\r\n");
  });

  test('is idempotent: a wrapped config is left alone', () => {
    const once = edited('const c = {};\nexport default c;\n', 'next.config.mjs');
    expect(editNextConfig(once, 'next.config.mjs')).toEqual({ kind: 'already-wrapped' });
    const cjs = edited('module.exports = {};\n', 'next.config.cjs');
    expect(editNextConfig(cjs, 'next.config.cjs')).toEqual({ kind: 'already-wrapped' });
  });

  test('says when it cannot edit safely, with the two lines to add', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['const c = {};\nexport { c as default };\n', 'next.config.mjs', /export \{ … as default \}/],
      ['module.exports = {};\nmodule.exports = { a: 1 };\n', 'next.config.js', /2 times/],
      ['const c = {};\n', 'next.config.mjs', /no `export default`/],
      ['export default function config() { return {}; }\nconfig.x = 1;\n', 'next.config.mjs', /referred to by name/],
      ['export default {', 'next.config.mjs', /does not parse/],
    ];
    for (const [text, file, reason] of cases) {
      const result = editNextConfig(text, file);
      expect(result.kind, text).toBe('manual');
      if (result.kind !== 'manual') continue;
      expect(result.reason).toMatch(reason);
      expect(result.lines[0]).toContain('withActionGuard');
    }
    const cjs = editNextConfig('module.exports = {};\nmodule.exports = {};\n', 'next.config.cjs');
    expect(cjs.kind === 'manual' && cjs.lines[0]).toBe("const { withActionGuard } = require('@action-guard/next');");
  });
});
