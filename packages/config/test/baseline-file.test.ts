import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError, loadConfig, loadConfigSync, toTransformOptions } from '../src/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function project(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'ag-config-baseline-'));
  dirs.push(root);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(root, name), text);
  return root;
}

const entry = { ref: 'app/actions.ts#save', check: 'missing-schema', code: 'AG102' };

describe('the baseline file in the config', () => {
  test('loadConfig and loadConfigSync read action-guard.baseline.json, and the transform options of its file carry it', async () => {
    const root = project({ 'action-guard.baseline.json': JSON.stringify({ version: 1, findings: [entry] }) });
    for (const config of [await loadConfig({ cwd: root }), loadConfigSync({ cwd: root })]) {
      expect(config.baseline).toEqual({ file: path.join(root, 'action-guard.baseline.json'), findings: [entry] });
      expect(toTransformOptions(config, 'app/actions.ts').baseline).toEqual([entry]);
    }
  });

  test('without the file there is no baseline and the transform options are as before', async () => {
    const config = await loadConfig({ cwd: project({}) });
    expect(config.baseline).toBeNull();
    expect('baseline' in toTransformOptions(config, 'app/actions.ts')).toBe(false);
  });

  test('a file that is not a valid baseline is an AG203 error naming the file and the field', async () => {
    const root = project({ 'action-guard.baseline.json': JSON.stringify({ version: 1, findings: [{ ...entry, ref: '/abs/app.ts#x' }] }) });
    const error = await loadConfig({ cwd: root }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('AG203');
    expect((error as Error).message).toContain('action-guard.baseline.json');
    expect((error as Error).message).toContain('findings[0].ref: expected a path relative to the project root');
  });
});
