import type { Severity } from './policy.js';

/**
 * The one grader of findings, shared by the build's post-build step and `action-guard audit`: a finding keeps the
 * severity it was reported with unless config `checks` names its check, which then sets it (`off` drops it).
 */
export function gradeFindings<T extends { name: string; severity: 'error' | 'warning' }>(
  findings: readonly T[],
  checks: Readonly<Record<string, Severity | undefined>>,
): T[] {
  const graded: T[] = [];
  for (const finding of findings) {
    const severity = checks[finding.name];
    if (severity === 'off') continue;
    graded.push(severity ? { ...finding, severity: severity === 'error' ? 'error' : 'warning' } : finding);
  }
  return graded;
}
