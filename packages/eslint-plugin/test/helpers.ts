import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const projects: string[] = [];

/**
 * A temporary Next-like project (path → content) for a linted file to belong to: it has a `next.config.mjs`, so the
 * plugin takes it as the project root, and whatever config the test gives it. Removed after the file's tests.
 */
export function project(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ag-eslint-'));
  projects.push(dir);
  for (const [file, content] of Object.entries({ 'next.config.mjs': 'export default {};\n', ...files })) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

afterAll(() => {
  for (const dir of projects.splice(0)) rmSync(dir, { recursive: true, force: true });
});
