import { describe, expect, test } from 'vitest';
import {
  BASELINED_PUBLIC_REASON, baselineEntriesFor, baselineSummary, parseBaseline, serializeBaseline, staleBaselineEntries, transform,
  type BaselineEntry,
} from '../src/index.js';

const source = [
  '"use server";',
  '',
  'export async function save(formData: FormData) {',
  '  return formData.get("title");',
  '}',
  '',
  '/**',
  ' * @requireAuth',
  ' */',
  'export async function remove(id: string) {',
  '  return id;',
  '}',
  '',
  '/** @requiresAuth */',
  'export async function ping() {',
  '  return 1;',
  '}',
  '',
].join('\n');

const options = { filename: 'app/actions.ts', root: '/project' };

describe('the baseline file', () => {
  test('records every error finding, one entry per action and check, in a stable reviewable order', () => {
    const { diagnostics, actions } = transform(source, options);
    const entries = baselineEntriesFor(diagnostics, actions);
    const text = serializeBaseline([...entries].reverse());
    expect(text).toBe(
      [
        '{',
        '  "version": 1,',
        '  "findings": [',
        '    {"ref":"app/actions.ts#remove","check":"missing-auth-decision","code":"AG101"},',
        '    {"ref":"app/actions.ts#remove","check":"missing-schema","code":"AG102"},',
        '    {"ref":"app/actions.ts#remove","check":"unknown-tag","code":"AG103"},',
        '    {"ref":"app/actions.ts#save","check":"missing-auth-decision","code":"AG101"},',
        '    {"ref":"app/actions.ts#save","check":"missing-schema","code":"AG102"}',
        '  ]',
        '}',
        '',
      ].join('\n'),
    );
    expect(parseBaseline(text).findings).toHaveLength(5);
    expect(serializeBaseline([])).toBe('{\n  "version": 1,\n  "findings": []\n}\n');
  });

  test('parses strictly and names the field', () => {
    const bad: Array<[string, RegExp]> = [
      ['{"version":2,"findings":[]}', /^version: expected 1/],
      ['{"version":1,"findings":[],"extra":1}', /^extra: unknown field/],
      ['{"version":1,"findings":[{"ref":"/abs/app.ts#a","check":"missing-schema","code":"AG102"}]}', /^findings\[0\]\.ref: expected a path relative/],
      ['{"version":1,"findings":[{"ref":"a.ts#a","check":"missing-schema"}]}', /^findings\[0\]\.code: expected a non-empty string/],
      ['{"version":1,"findings":[{"ref":"a.ts#a","check":"x","code":"y","when":"now"}]}', /^findings\[0\]\.when: unknown field/],
      ['{"version":1,"findings":[{"ref":"a.ts#a","check":"x","code":"y"},{"ref":"a.ts#a","check":"x","code":"y"}]}', /listed twice/],
      ['{"version":1,', /not JSON/],
    ];
    for (const [text, message] of bad) expect(() => parseBaseline(text), text).toThrow(message);
  });
});

describe('transform with a baseline', () => {
  const all = (): BaselineEntry[] => baselineEntriesFor(transform(source, options).diagnostics, transform(source, options).actions);

  test('a baselined finding is a warning marked baselined; the action keeps running for anonymous callers and says so', () => {
    const result = transform(source, { ...options, baseline: all() });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.diagnostics.every((d) => d.baselined === true)).toBe(true);
    const save = result.actions.find((a) => a.ref === 'app/actions.ts#save')!;
    expect(save.baselined).toEqual(['missing-auth-decision', 'missing-schema']);
    expect(save.policy.auth).toBe('public');
    expect(save.policy.publicReason).toBe(BASELINED_PUBLIC_REASON);
    expect(result.code).toContain('baselined: ["missing-auth-decision","missing-schema"]');
    const ping = result.actions.find((a) => a.ref === 'app/actions.ts#ping')!;
    expect(ping.baselined).toBeUndefined();
    expect(ping.policy.auth).toBe('required');
  });

  test('a finding that is not in the file fails exactly as without a baseline', () => {
    const withoutOne = all().filter((e) => !(e.ref === 'app/actions.ts#save' && e.check === 'missing-schema'));
    const result = transform(source, { ...options, baseline: withoutOne });
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => `${d.name} ${d.message}`)).toEqual(['missing-schema action "save" takes input but has no schema']);
  });

  test('entries of other files are ignored; entries that match nothing are stale', () => {
    const other: BaselineEntry = { ref: 'app/other.ts#x', check: 'missing-schema', code: 'AG102' };
    const gone: BaselineEntry = { ref: 'app/actions.ts#renamed', check: 'missing-schema', code: 'AG102' };
    const entries = [...all(), other, gone];
    const result = transform(source, { ...options, baseline: entries });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const matched = all();
    expect(staleBaselineEntries(entries, matched)).toEqual([other, gone]);
    expect(baselineSummary(matched)).toBe('5 baselined findings in 1 file — `action-guard baseline --prune` after fixing');
  });

  test('a renamed action loses its entry (matching is by ref), and metadata of other actions is unchanged', () => {
    const renamed = source.replace('function save(', 'function store(');
    const result = transform(renamed, { ...options, baseline: all() });
    expect(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([
      'action "store" has no auth decision',
      'action "store" takes input but has no schema',
    ]);
    const plain = transform(source.replace(/^export async function (save|remove)[\s\S]*?^}\n/gm, ''), options).code;
    expect(transform(source.replace(/^export async function (save|remove)[\s\S]*?^}\n/gm, ''), { ...options, baseline: all() }).code).toBe(plain);
  });
});
