import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

// Code comments cite the repository's own docs (`docs/reference.md §3`, `docs/measurements.md#dsse-payload-copies`),
// never documents outside it. A citation that names a page, section or anchor that does not exist sends the next
// maintainer nowhere: every one must resolve.
const root = fileURLToPath(new URL('..', import.meta.url));
const sourceRoots = ['crates-free-js-transform/src', 'scripts', ...readdirSync(join(root, 'packages')).flatMap((name) => [`packages/${name}/src`, `packages/${name}/scripts`])];

function sourceFiles(dir: string): string[] {
  const absolute = join(root, dir);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute).flatMap((name) => {
    const path = join(absolute, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(relative(root, path));
    return /\.(ts|tsx|mts|mjs|js)$/.test(name) ? [relative(root, path)] : [];
  });
}

/** The id GitHub gives a heading: lower case, punctuation other than `-` and `_` dropped, spaces to `-`. */
const headingId = (heading: string) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');

interface Citation {
  file: string;
  line: number;
  page: string;
  anchor: string | null;
  section: string | null;
}

const citations: Citation[] = sourceRoots.flatMap(sourceFiles).flatMap((file) =>
  readFileSync(join(root, file), 'utf8')
    .split('\n')
    .flatMap((text, index) =>
      [...text.matchAll(/\bdocs\/([\w.-]+\.md)(?:#([\w-]+)|\s?§\s?(\d+))?/g)].map((match) => ({
        file,
        line: index + 1,
        page: match[1]!,
        anchor: match[2] ?? null,
        section: match[3] ?? null,
      })),
    ),
);

const pages = new Map<string, { ids: Set<string>; numbered: Set<string> } | null>();
function readPage(page: string) {
  if (!pages.has(page)) {
    const path = join(root, 'docs', page);
    if (!existsSync(path)) pages.set(page, null);
    else {
      const headings = [...readFileSync(path, 'utf8').matchAll(/^#{1,6} (.+)$/gm)].map((match) => match[1]!);
      pages.set(page, {
        ids: new Set(headings.map(headingId)),
        numbered: new Set(headings.flatMap((heading) => /^(\d+)\. /.exec(heading)?.[1] ?? [])),
      });
    }
  }
  return pages.get(page)!;
}

describe('docs citations in code comments resolve', () => {
  test('the sources cite the docs (the scan found them)', () => {
    expect(citations.length).toBeGreaterThan(50);
  });

  test('every cited page exists in docs/', () => {
    const missing = citations.filter((c) => readPage(c.page) === null).map((c) => `${c.file}:${c.line} docs/${c.page}`);
    expect(missing).toEqual([]);
  });

  test('every cited #anchor is a heading of its page', () => {
    const missing = citations
      .filter((c) => c.anchor !== null && readPage(c.page)?.ids.has(c.anchor) === false)
      .map((c) => `${c.file}:${c.line} docs/${c.page}#${c.anchor}`);
    expect(missing).toEqual([]);
  });

  test('every cited §n is a numbered section of its page', () => {
    const missing = citations
      .filter((c) => c.section !== null && readPage(c.page)?.numbered.has(c.section) === false)
      .map((c) => `${c.file}:${c.line} docs/${c.page} §${c.section}`);
    expect(missing).toEqual([]);
  });
});
