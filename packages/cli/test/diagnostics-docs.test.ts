import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MANIFEST_FINDINGS } from '@action-guard/manifest';
import { DIAGNOSTICS } from '@action-guard/transform';
import { describe, expect, test } from 'vitest';

// Every diagnostic's `docs:` link ends in `#<name>`; docs/diagnostics.md is the page those links name. The CLI
// prints all three families (audit, manifest, keys), so it is the package that checks the page covers them.
const page = readFileSync(fileURLToPath(new URL('../../../docs/diagnostics.md', import.meta.url)), 'utf8');
const configErrorSource = readFileSync(fileURLToPath(new URL('../../config/src/config-error.ts', import.meta.url)), 'utf8');

/** `### heading` → the section's text up to the next heading. */
function sections(markdown: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of markdown.split(/^### /m).slice(1)) {
    const newline = part.indexOf('\n');
    found.set(part.slice(0, newline).trim(), part.slice(newline + 1).split(/^##/m)[0]!);
  }
  return found;
}

const documented = sections(page);
const configCodes = [...configErrorSource.matchAll(/\| '(AG2\d\d)'/g)].map((match) => match[1]!);

describe('docs/diagnostics.md', () => {
  test.each(DIAGNOSTICS.map((d) => [d.name, d.code] as const))('documents the transform diagnostic %s (%s)', (name, code) => {
    expect(documented.get(name)).toMatch(new RegExp(`^\\*\\*${code}\\*\\*`));
  });

  test.each(MANIFEST_FINDINGS.map((f) => [f.name, f.code] as const))('documents the build finding %s (%s)', (name, code) => {
    expect(documented.get(name)).toMatch(new RegExp(`^\\*\\*${code}\\*\\*`));
  });

  test('documents every configuration error code', () => {
    expect(configCodes.length).toBeGreaterThan(0); // the union was read
    for (const code of configCodes) expect(documented.get(code)).toMatch(new RegExp(`^\\*\\*${code}\\*\\*`));
  });

  test('has no section for a diagnostic that does not exist', () => {
    const known = new Set<string>([...DIAGNOSTICS.map((d) => d.name), ...MANIFEST_FINDINGS.map((f) => f.name), ...configCodes]);
    expect([...documented.keys()].filter((heading) => !known.has(heading))).toEqual([]);
  });

  test('gives each default severity as the registries do', () => {
    for (const d of DIAGNOSTICS) {
      // 'warn' in the registry is printed (and documented) as a warning.
      const severity: string = d.defaultSeverity;
      const words = `default \`${severity === 'warn' ? 'warning' : severity}\``;
      expect(documented.get(d.name), d.name).toContain(words);
    }
    for (const f of MANIFEST_FINDINGS) {
      const section = documented.get(f.name)!;
      expect(section.includes(`default \`${f.defaultSeverity}\``) || (f.defaultSeverity === 'error' && section.includes('always an error')) || (f.defaultSeverity === 'error' && section.includes('an error of')), f.name).toBe(true);
    }
  });
});
