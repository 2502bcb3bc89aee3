import { createFinding, type Finding } from '@action-guard/manifest';
import { describe, expect, test } from 'vitest';
import { WARNINGS_PER_CODE, warningLines } from '../src/post-build.js';

function unreferenced(index: number): Finding {
  return createFinding('unreferenced-action', 'warning', {
    message: `app/actions.ts#action${index} is registered and callable by id, but no client JavaScript references it`,
    fix: 'remove the export if nothing uses it',
    file: 'app/actions.ts',
    line: index,
    column: 8,
    ref: `app/actions.ts#action${index}`,
  });
}

const unsigned = createFinding('missing-signing-key', 'warning', { message: 'written unsigned', fix: 'set a signing key' });

describe('the build output of warning findings', () => {
  test('prints every warning in full while a code has few', () => {
    const lines = warningLines([unreferenced(1), unsigned, unreferenced(2)]);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('app/actions.ts:1:8 warning AG304 unreferenced-action');
    expect(lines[1]).toContain('missing-signing-key');
  });

  test('summarises the rest of a code after the first few, and keeps the other codes in full', () => {
    const many = Array.from({ length: 200 }, (_, i) => unreferenced(i + 1));
    const lines = warningLines([...many, unsigned]);
    expect(lines).toHaveLength(WARNINGS_PER_CODE + 2);
    expect(lines.slice(0, WARNINGS_PER_CODE).every((line) => line.includes('AG304'))).toBe(true);
    expect(lines[WARNINGS_PER_CODE]).toContain('missing-signing-key');
    expect(lines.at(-1)).toBe(
      `⚠ action-guard: ${200 - WARNINGS_PER_CODE} more AG304 unreferenced-action warnings like the ones above (200 in all); \`action-guard audit\` lists every one, and checks['unreferenced-action'] sets their severity`,
    );
  });
});
