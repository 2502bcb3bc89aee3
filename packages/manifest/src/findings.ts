import { docsUrl, MANIFEST_FINDINGS, type ManifestFindingName } from '@action-guard/contracts';
import type { Finding } from './types.js';

// The registry (AG3xx), the docs base and the printer live in @action-guard/contracts; re-exported for the names
// this package has always exported.
export { DOCS_BASE, formatFinding, MANIFEST_FINDINGS, type ManifestFindingName } from '@action-guard/contracts';

/** Builds a finding from the registry entry `name`, so codes and docs links cannot drift from the registry. */
export function createFinding(
  name: ManifestFindingName,
  severity: 'error' | 'warning',
  details: { message: string; fix: string; file?: string | null; line?: number | null; column?: number | null; ref?: string | null },
): Finding {
  const entry = MANIFEST_FINDINGS.find((f) => f.name === name)!;
  return {
    code: entry.code,
    name,
    severity,
    message: details.message,
    fix: details.fix,
    docs: docsUrl(name),
    file: details.file ?? null,
    line: details.line ?? null,
    column: details.column ?? null,
    ref: details.ref ?? null,
  };
}
