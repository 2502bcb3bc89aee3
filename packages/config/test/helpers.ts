import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

const projects: string[] = [];

/**
 * A temporary project directory holding the given files (path → content); removed after each test. It has a
 * `node_modules`, as real projects do, so jiti's transpile cache lands inside it and goes with it.
 */
export function project(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ag-config-'));
  projects.push(dir);
  mkdirSync(path.join(dir, 'node_modules'));
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

afterEach(() => {
  for (const dir of projects.splice(0)) rmSync(dir, { recursive: true, force: true });
});
