import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveConfig, type ResolvedConfig } from '@action-guard/config';
import { afterEach, describe, expect, test } from 'vitest';
import actionGuardLoader from '../src/loader.js';
import { baselineLines } from '../src/post-build.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const SOURCE = '"use server";\n\nexport async function save(formData: FormData) {\n  return String(formData.get("t"));\n}\n';
const entries = [
  { ref: 'app/actions.ts#save', check: 'missing-auth-decision' as const, code: 'AG101' },
  { ref: 'app/actions.ts#save', check: 'missing-schema' as const, code: 'AG102' },
];

function project(): { root: string; config: (findings: typeof entries) => ResolvedConfig } {
  const root = mkdtempSync(path.join(tmpdir(), 'ag-next-baseline-'));
  dirs.push(root);
  mkdirSync(path.join(root, 'app'));
  writeFileSync(path.join(root, 'app/actions.ts'), SOURCE);
  return { root, config: (findings) => ({ ...resolveConfig({}, root, null), baseline: { file: path.join(root, 'action-guard.baseline.json'), findings } }) };
}

function runLoader(config: ResolvedConfig, root: string) {
  const warnings: Error[] = [];
  let outcome: { error: Error | null; code?: string } = { error: null };
  actionGuardLoader.call(
    {
      resourcePath: path.join(root, 'app/actions.ts'),
      getOptions: () => ({ config, recordsDir: path.join(root, '.next/cache/action-guard/records') }),
      emitWarning: (warning: Error) => warnings.push(warning),
      callback: (error: Error | null, code?: string) => (outcome = { error, code }),
    } as never,
    SOURCE,
  );
  return { warnings, ...outcome };
}

describe('the build with a baseline', () => {
  test('the loader passes a module whose findings are all baselined, prints nothing per module, and its guard metadata says baselined', () => {
    const { root, config } = project();
    const { error, warnings, code } = runLoader(config(entries), root);
    expect(error).toBeNull();
    expect(warnings).toEqual([]);
    expect(code).toContain('baselined: ["missing-auth-decision","missing-schema"]');
  });

  test('removing one entry fails the module with that finding, naming the action', () => {
    const { root, config } = project();
    const { error } = runLoader(config(entries.slice(1)), root);
    expect(error?.message).toContain('error AG101 missing-auth-decision: action "save" has no auth decision');
    expect(error?.message).not.toContain('AG102');
  });

  test('after the build: one summary line, and stale entries of compiled or deleted files', () => {
    const { config } = project();
    const manifest = { actions: [{ ref: 'app/actions.ts#save', file: 'app/actions.ts', baselined: ['missing-auth-decision', 'missing-schema'] }] };
    const stale = [...entries, { ref: 'app/actions.ts#gone', check: 'missing-schema' as const, code: 'AG102' }, { ref: 'app/deleted.ts#x', check: 'missing-schema' as const, code: 'AG102' }];
    const lines = baselineLines(config(stale), manifest as never);
    expect(lines).toEqual([
      '⚠ action-guard: 2 baselined findings in 1 file — `action-guard baseline --prune` after fixing',
      '⚠ action-guard: 2 stale baseline entries (the finding no longer occurs; `action-guard baseline --prune` removes them, `action-guard audit --fail-on-stale` fails CI on them):',
      '    app/actions.ts#gone AG102 missing-schema',
      '    app/deleted.ts#x AG102 missing-schema',
    ]);
    expect(baselineLines({ ...config([]), baseline: null }, manifest as never)).toEqual([]);
  });
});
