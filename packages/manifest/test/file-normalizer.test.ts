import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { createFileNormalizer } from '../src/project-facts.js';

const project = path.resolve('/repo/apps/web');
const existing = (files: string[]) => {
  const set = new Set(files.map((f) => path.join(project, f)));
  for (const f of files) for (let d = path.dirname(path.join(project, f)); d !== path.dirname(d); d = path.dirname(d)) set.add(d);
  return (absolute: string) => set.has(absolute);
};

describe('createFileNormalizer', () => {
  test('a src/ layout: webpack names files relative to src/, the manifest relative to the project', () => {
    const normalize = createFileNormalizer(project, existing(['src/app/account/actions.ts', 'package.json']));
    expect(normalize('app/account/actions.ts')).toBe('src/app/account/actions.ts');
    expect(normalize('src/app/account/actions.ts')).toBe('src/app/account/actions.ts');
    expect(normalize('apps/web/src/app/account/actions.ts')).toBe('src/app/account/actions.ts');
  });

  test('an app/ layout is left as it is, even when a src/ folder exists beside it', () => {
    const normalize = createFileNormalizer(project, existing(['app/actions.ts', 'src/app/actions.ts']));
    expect(normalize('app/actions.ts')).toBe('app/actions.ts');
  });
});
