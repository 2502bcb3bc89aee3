import type { Finding } from './types.js';

/** Base URL of the diagnostics docs (published from docs/diagnostics.md); every finding links to `#<name>` there. */
export const DOCS_BASE = 'https://action-guard.dev/docs/diagnostics';

/**
 * The registry of findings the manifest step and the CLI's manifest/key commands report (codes AG3xx; the transform
 * owns AG1xx and config AG2xx). A code never changes meaning once published.
 */
export const MANIFEST_FINDINGS = [
  { code: 'AG301', name: 'unguarded-action', defaultSeverity: 'error', description: 'Next registered a Server Action that the action-guard transform did not guard.' },
  { code: 'AG302', name: 'missing-signing-key', defaultSeverity: 'warning', description: 'The manifest was written without a signature because ACTION_GUARD_SIGNING_KEY is not set.' },
  { code: 'AG303', name: 'invalid-signing-key', defaultSeverity: 'error', description: 'ACTION_GUARD_SIGNING_KEY is not an Ed25519 private key in PKCS#8 PEM (or that PEM base64-encoded).' },
  { code: 'AG304', name: 'unreferenced-action', defaultSeverity: 'warning', description: 'A Server Action is registered and callable by id, but no client code references it.' },
  { code: 'AG305', name: 'missing-encryption-key', defaultSeverity: 'warning', description: 'A production build ran without NEXT_SERVER_ACTIONS_ENCRYPTION_KEY.' },
  { code: 'AG306', name: 'malformed-encryption-key', defaultSeverity: 'error', description: 'NEXT_SERVER_ACTIONS_ENCRYPTION_KEY is not base64 of 16, 24 or 32 bytes.' },
  { code: 'AG307', name: 'duplicate-action-ref', defaultSeverity: 'error', description: 'Two registered action ids resolve to the same action ref.' },
  { code: 'AG308', name: 'encryption-key-mismatch', defaultSeverity: 'error', description: 'The encryption key differs from the one the manifest was built with.' },
] as const;

/** Name of a manifest-step finding. */
export type ManifestFindingName = (typeof MANIFEST_FINDINGS)[number]['name'];

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
    docs: `${DOCS_BASE}#${name}`,
    file: details.file ?? null,
    line: details.line ?? null,
    column: details.column ?? null,
    ref: details.ref ?? null,
  };
}

/** Prints a finding the way the transform prints diagnostics: `file:line:col severity CODE name: message`, fix, docs. */
export function formatFinding(f: Finding): string {
  const where = f.file ? `${f.file}${f.line != null ? `:${f.line}:${f.column ?? 1}` : ''} ` : '';
  return `${where}${f.severity} ${f.code} ${f.name}: ${f.message}\nfix: ${f.fix}\ndocs: ${f.docs}`;
}
