import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ALL_DIAGNOSTICS, CONFIG_DIAGNOSTICS, DIAGNOSTICS, DOCS_BASE, docsUrl, formatFinding, MANIFEST_FINDINGS, REPOSITORY_URL } from '../src/index.js';

// Every printed `docs:` link is DOCS_BASE#<name>: docs/diagnostics.md in the repository, which this package also ships.
const repository = (relative: string) => fileURLToPath(new URL(`../../../${relative}`, import.meta.url));
const page = readFileSync(repository('docs/diagnostics.md'), 'utf8');

/** The id GitHub gives a heading: lower case, punctuation other than `-` and `_` dropped, spaces to `-`. */
const headingId = (heading: string) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');

/** Heading id → the section's text up to the next heading. */
function sections(markdown: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of markdown.matchAll(/^(#{1,6}) (.+)\n([\s\S]*?)(?=^#{1,6} |$(?![\s\S]))/gm)) found.set(headingId(match[2]!), match[3]!);
  return found;
}

const documented = sections(page);

describe('docs/diagnostics.md documents every code of the registry', () => {
  test.each(ALL_DIAGNOSTICS.map((d) => [d.code, d.name] as const))('%s has a heading whose id is its name, %s, opening with its code', (code, name) => {
    expect(docsUrl(code)).toBe(`${DOCS_BASE}#${name}`);
    expect(documented.get(name)).toMatch(new RegExp(`^\\*\\*${code}\\*\\*`));
  });

  test('has no entry heading for a code that does not exist', () => {
    const entries = [...page.matchAll(/^### (.+)$/gm)].map((match) => headingId(match[1]!));
    expect(entries.filter((id) => !ALL_DIAGNOSTICS.some((d) => d.name === id))).toEqual([]);
  });

  test('gives each default severity as the registry does', () => {
    for (const d of [...DIAGNOSTICS, ...MANIFEST_FINDINGS]) {
      const section = documented.get(d.name)!;
      // 'warn' in the registry is printed (and documented) as a warning.
      const words = `default \`${d.defaultSeverity === 'warn' ? 'warning' : d.defaultSeverity}\``;
      const always = d.defaultSeverity === 'error' && (section.includes('always an error') || section.includes('an error of'));
      expect(section.includes(words) || (d.code.startsWith('AG3') && always), d.name).toBe(true);
    }
    for (const d of CONFIG_DIAGNOSTICS) expect(documented.get(d.name), d.name).toContain('always an error');
  });

  test('the section links the packages print besides the per-code ones exist too', () => {
    expect(documented.has('configuration-ag2xx')).toBe(true); // the ESLint plugin's config-error rule
  });

  test('the printer links every finding to its section', () => {
    const printed = formatFinding({ code: 'AG104', name: 'malformed-tag', severity: 'error', message: 'm', fix: 'f', docs: docsUrl('malformed-tag'), file: 'a.ts', line: 2, column: 3, frame: 'F' });
    expect(printed).toBe(`a.ts:2:3 error AG104 malformed-tag: m\nF\nfix: f\ndocs: ${REPOSITORY_URL}/blob/main/docs/diagnostics.md#malformed-tag`);
    expect(formatFinding({ code: 'AG302', name: 'missing-signing-key', severity: 'warning', message: 'm', fix: 'f', docs: docsUrl('AG302'), file: null })).toBe(
      `warning AG302 missing-signing-key: m\nfix: f\ndocs: ${DOCS_BASE}#missing-signing-key`,
    );
  });
});

describe('the docs links resolve for whoever installed a package', () => {
  const packages = [
    'crates-free-js-transform',
    ...readdirSync(repository('packages')).map((name) => `packages/${name}`).filter((dir) => existsSync(repository(`${dir}/package.json`))),
  ];

  test.each(packages)('%s names the repository DOCS_BASE points into', (dir) => {
    const manifest = JSON.parse(readFileSync(repository(`${dir}/package.json`), 'utf8')) as { repository?: { url?: string; directory?: string } };
    expect(manifest.repository?.url).toBe(`git+${REPOSITORY_URL}.git`);
    expect(manifest.repository?.directory).toBe(dir);
  });

  test('this package, which holds the printer, ships docs/diagnostics.md', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { files: string[] };
    expect(manifest.files).toContain('docs');
    // The build copies the page in (tsup.config.ts); a built package carries the repository's page unchanged.
    const shipped = fileURLToPath(new URL('../docs/diagnostics.md', import.meta.url));
    expect(existsSync(shipped), 'run the build first').toBe(true);
    expect(readFileSync(shipped, 'utf8')).toBe(page);
  });
});
