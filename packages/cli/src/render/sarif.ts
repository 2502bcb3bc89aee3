import { pathToFileURL } from 'node:url';
import { DIAGNOSTICS, docsUrl, MANIFEST_FINDINGS, REPOSITORY_URL } from '@action-guard/contracts';
import type { Finding } from '@action-guard/manifest';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import pkg from '../../package.json' with { type: 'json' };

/** A finding as SARIF needs it: a transform diagnostic or a manifest finding both fit (the manifest's shape minus `ref`). */
export type SarifFinding = Omit<Finding, 'ref'>;

/** Every rule action-guard can report, transform (AG1xx) and manifest (AG3xx), for `tool.driver.rules`. */
function allRules(): ReportingDescriptor[] {
  const level = (s: string) => (s === 'error' ? 'error' : s === 'off' ? 'none' : 'warning');
  return [...DIAGNOSTICS, ...MANIFEST_FINDINGS].map((rule) => ({
    id: rule.code,
    name: rule.name,
    shortDescription: { text: rule.description },
    helpUri: docsUrl(rule.name),
    defaultConfiguration: { level: level(rule.defaultSeverity) },
  }));
}

/**
 * A SARIF 2.1.0 log of findings, for GitHub code scanning (`github/codeql-action/upload-sarif`). Locations are
 * relative to `%SRCROOT%`, which is the project root, so the upload maps them onto the repository.
 */
export function toSarif(findings: readonly SarifFinding[], root: string): Log {
  const rules = allRules();
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results: Result[] = findings.map((f) => {
    const result: Result = {
      ruleId: f.code,
      level: f.severity === 'error' ? 'error' : 'warning',
      message: { text: `${f.message}\nFix: ${f.fix}` },
      properties: { name: f.name, docs: f.docs },
    };
    const ruleIndex = index.get(f.code);
    if (ruleIndex !== undefined) result.ruleIndex = ruleIndex;
    if (f.file) {
      result.locations = [
        {
          physicalLocation: {
            artifactLocation: { uri: f.file.split('/').map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' },
            ...(f.line ? { region: { startLine: f.line, ...(f.column ? { startColumn: f.column } : {}) } } : {}),
          },
        },
      ];
    }
    return result;
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'action-guard', version: pkg.version, informationUri: REPOSITORY_URL, rules } },
        originalUriBaseIds: { '%SRCROOT%': { uri: `${pathToFileURL(root).href.replace(/\/?$/, '/')}` } },
        results,
      },
    ],
  };
}
